"""The shapes the API answers with; the OpenAPI document is generated from them."""

from __future__ import annotations

import datetime

from ninja import Schema


class Person(Schema):
    name: str
    credentials: str
    job_title: str
    url: str


class TopicRef(Schema):
    slug: str
    name: str
    url: str
    api_url: str


class ArticleItem(Schema):
    slug: str
    title: str
    summary: str
    audience: str
    author: str
    url: str
    api_url: str
    published_at: datetime.datetime
    last_reviewed: datetime.date | None
    next_review_due: datetime.date | None


class ArticleList(Schema):
    count: int
    items: list[ArticleItem]
    next: str | None


class Code(Schema):
    system: str
    system_name: str
    system_oid: str
    code: str
    display: str


class Trust(Schema):
    medical_reviewer: Person | None
    last_reviewed: datetime.date | None
    next_review_due: datetime.date | None


class TopicItem(Schema):
    slug: str
    name: str
    headline: str
    definition: str
    article_count: int
    url: str
    api_url: str


class TopicList(Schema):
    count: int
    items: list[TopicItem]
    next: str | None


class TopicDetail(TopicItem):
    aliases: list[str]
    intro_html: str
    safety_notice: str
    mental_health: bool
    related: list[TopicRef]
    codes: list[Code]
    trust: Trust
    articles: ArticleList


class Source(Schema):
    html: str
    text: str
    links: list[str]


class LeadImage(Schema):
    url: str
    width: int
    height: int
    alt: str


class ArticleDetail(Schema):
    slug: str
    title: str
    summary: str
    body_html: str
    audience: str
    url: str
    api_url: str
    topics: list[TopicRef]
    author: Person
    medical_reviewer: Person | None
    date_published: datetime.datetime
    date_modified: datetime.datetime
    last_reviewed: datetime.date | None
    next_review_due: datetime.date | None
    sources: list[Source]
    lead_image: LeadImage | None
    licence: str
    attribution: str
    version_hash: str


class ArticleRef(Schema):
    slug: str
    title: str
    url: str
    api_url: str
    published_at: datetime.datetime


class Author(Schema):
    slug: str
    name: str
    credentials: str
    job_title: str
    bio: str
    url: str
    written: list[ArticleRef]
    reviewed: list[ArticleRef]


class Lookup(Schema):
    system: str
    code: str
    items: list[TopicItem]


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
