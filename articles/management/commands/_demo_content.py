# Demo topics and articles for the health hub. Data only: Markdown in triple-quoted strings.

TOPICS = [
    {
        "name": "Ketamine for depression",
        "mental_health": True,
        "headline": "Ketamine for Depression: How It Works and What You Need to Know",
        "definition": (
            "The use of ketamine, or the related nasal spray esketamine, under close medical "
            "supervision to ease severe depression that has not improved with other treatments."
        ),
        "aliases": ["ketamine therapy", "ketamine infusion"],
        "intro": """\
When standard antidepressants have not helped, ketamine is one option a specialist may discuss.
Ketamine has been used for decades as an anesthetic, a medicine that puts people to sleep for
surgery. At much lower doses, it can ease the symptoms of depression within hours or days,
rather than the weeks that most antidepressants take. It is mainly used for
treatment-resistant depression. Ketamine itself is not approved as an antidepressant, so when
doctors give it as a drip into a vein (an infusion), they are using it "off-label". A related
medicine, esketamine, is approved as a nasal spray.

Ketamine works in a different way from most antidepressants. Those medicines mostly act on
serotonin or norepinephrine, two of the brain's chemical messengers. Ketamine acts on
glutamate, the brain's main "go" signal, by blocking a target called the NMDA receptor.
Research suggests this may help brain cells form new links that long-term stress and
depression can weaken. Scientists are still working out the details. This is why it is
being studied for treatment-resistant depression: depression that has not improved enough
after at least two different antidepressants. It is not a cure. The nasal spray, esketamine
(brand name Spravato), is approved for adults with treatment-resistant depression and is
usually taken alongside an antidepressant tablet. You cannot collect it from a pharmacy and
use it at home. You use it under the watch of a health professional in a certified healthcare
setting, and you stay for at least 2 hours afterward so staff can check on you. You must not
drive until the next day, after a night's sleep, so you will need another way to get home.

It is not right for everyone. Your doctor will check your health first. It may not be safe if
you have some blood vessel problems or high blood pressure that is not under control. People who
have had psychosis (losing touch with reality) or problems with drugs or alcohol may not be able
to have it, or may need extra care. During and just after a dose, many people feel dizzy, sick,
sleepy, or detached from themselves or their surroundings. These effects usually pass within
about 2 hours. The bigger challenge is that the benefit often fades. Most people who are helped
need repeat treatments, often twice a week at first and then less often. We still know little
about the safety of using it for years. For these reasons, it works best as one part of a wider
plan that can include other medicines, talking therapies and practical support.

The articles below explain these treatments in more detail. They cover how ketamine and
esketamine compare, what the research shows, and where it is still unclear. They also cover
what a treatment session is like and questions you may want to ask. They are written and checked by
clinicians to help you have a better-informed conversation with your care team, not to
replace it.
""",
        "related": [
            "Treatment-resistant depression",
            "Esketamine",
            "Depression",
            "Antidepressants",
            "Electroconvulsive therapy",
            "Talking therapies",
        ],
        "safety_notice": (
            "If you are thinking about suicide or self-harm, or feel unable to keep yourself "
            "safe, get help now: call your local emergency number, or contact a crisis line such "
            "as 988 in the US or Samaritans on 116 123 in the UK and Ireland."
        ),
        "is_featured": True,
    },
    {
        "name": "Treatment-resistant depression",
        "mental_health": True,
        "headline": "Treatment-Resistant Depression: When First Treatments Don't Help",
        "definition": (
            "Depression that has not improved enough after at least two different "
            "antidepressants, each taken at a high enough dose for long enough."
        ),
        "aliases": ["TRD", "treatment resistant depression"],
        "intro": """\
Many people with depression feel better with the first or second treatment they try. For
about 1 in 3, symptoms do not improve enough. Doctors call this treatment-resistant
depression. It does not mean that nothing will help, or that you have done anything wrong.

Your care team will first check the basics: whether the diagnosis is right, whether each
medicine was taken at a full dose for long enough, and whether other health problems, alcohol
or stress are getting in the way. Next steps can include a different antidepressant, adding a
second medicine, talking therapies, electroconvulsive therapy (ECT), or esketamine nasal
spray. Many people find something that helps, even after several tries.
""",
        "related": [
            "Depression",
            "Antidepressants",
            "Ketamine for depression",
            "Esketamine",
            "Electroconvulsive therapy",
            "Talking therapies",
        ],
        "safety_notice": (
            "If you are thinking about suicide or self-harm, or feel unable to keep yourself "
            "safe, get help now: call your local emergency number, or contact a crisis line such "
            "as 988 in the US or Samaritans on 116 123 in the UK and Ireland."
        ),
        "is_featured": True,
    },
    {
        "name": "Esketamine",
        "headline": "Esketamine (Spravato) Nasal Spray: What to Expect",
        "definition": (
            "A nasal spray medicine made from ketamine, used under medical supervision for "
            "adults with depression that has not improved after other treatments."
        ),
        "aliases": ["Spravato", "esketamine nasal spray"],
        "intro": """\
Esketamine is a nasal spray made from one half of the ketamine molecule. It is licensed for
adults with treatment-resistant depression, and is usually taken together with an
antidepressant tablet. In the US it can now also be used on its own.

You use the spray yourself, but only in a certified clinic while a health professional
watches. Staff check your blood pressure and how you feel for at least 2 hours afterward.
You must not drive or use machines until the next day, after a night's sleep. Treatment is
usually twice a week for the first 4 weeks, then less often.
""",
        "related": ["Ketamine for depression", "Treatment-resistant depression", "Antidepressants"],
        "safety_notice": "",
        "is_featured": True,
    },
    {
        "name": "Depression",
        "mental_health": True,
        "headline": "Depression: Symptoms, Causes and Treatment",
        "definition": (
            "A common, treatable illness in which low mood or loss of interest lasts most of the "
            "day, nearly every day, for at least two weeks and makes daily life harder."
        ),
        "aliases": ["clinical depression", "major depressive disorder", "MDD"],
        "intro": """\
Depression is more than feeling sad for a few days. It can affect your sleep, appetite,
energy, concentration and how you feel about yourself. It is common, it is not a sign of
weakness, and it can be treated.

Treatment depends on how severe it is and what you prefer. Options include talking therapies,
antidepressants, or both, along with support for sleep, activity and any problems that are
adding to the stress. If first treatments do not help enough, your doctor may talk about
treatment-resistant depression and other options.
""",
        "related": [
            "Antidepressants",
            "Talking therapies",
            "Treatment-resistant depression",
            "Electroconvulsive therapy",
        ],
        "safety_notice": (
            "If you are thinking about suicide or self-harm, or feel unable to keep yourself "
            "safe, get help now: call your local emergency number, or contact a crisis line such "
            "as 988 in the US or Samaritans on 116 123 in the UK and Ireland."
        ),
        "is_featured": True,
    },
    {
        "name": "Antidepressants",
        "headline": "Antidepressants: How They Work, Side Effects and Stopping Safely",
        "definition": (
            "Medicines that treat depression and some other conditions by changing how certain "
            "chemical messengers work in the brain."
        ),
        "aliases": ["SSRIs", "antidepressant medicines"],
        "intro": """\
The most widely used antidepressants are SSRIs (selective serotonin reuptake inhibitors),
such as sertraline and fluoxetine. Most people need to take them for a few weeks before they
notice a clear benefit. Early side effects, such as feeling sick or restless, often settle
within the first couple of weeks.

Do not stop taking an antidepressant suddenly. Talk to your doctor, who can help you lower
the dose slowly. In the first weeks of treatment, a small number of people, especially those
under 25, have more thoughts of suicide or self-harm. If this happens, contact your doctor
straight away or get urgent help.
""",
        "related": [
            "Depression",
            "Treatment-resistant depression",
            "Talking therapies",
            "Esketamine",
        ],
        "safety_notice": "",
        "is_featured": False,
    },
    {
        "name": "Electroconvulsive therapy",
        "headline": "Electroconvulsive Therapy (ECT): What It Is and What to Expect",
        "definition": (
            "A treatment for severe depression in which a brief, controlled electric current is "
            "passed through the brain while the person is asleep under a general anesthetic."
        ),
        "aliases": ["ECT"],
        "intro": """\
ECT is one of the most effective treatments for severe depression. It may be offered when
depression is life-threatening, or when other treatments have not worked. It is given in
hospital under a general anesthetic and a muscle relaxant, usually two or three times a week
for a few weeks.

Common side effects include headache, aching muscles and confusion for a short time after each
session. Some people have memory problems, mostly for events around the time of treatment.
These usually improve over the following weeks, but some gaps can last. Your team will talk
through the benefits and risks with you before you decide.
""",
        "related": ["Treatment-resistant depression", "Depression", "Ketamine for depression"],
        "safety_notice": "",
        "is_featured": False,
    },
    {
        "name": "Talking therapies",
        "headline": "Talking Therapies for Depression: CBT and Other Options",
        "definition": (
            "Treatments in which you work with a trained therapist, mainly by talking, to "
            "understand and change the thoughts, feelings and habits that keep depression going."
        ),
        "aliases": ["psychotherapy", "CBT", "cognitive behavioural therapy"],
        "intro": """\
Talking therapies can help with mild, moderate and severe depression. The best known is
cognitive behavioral therapy (CBT). It helps you spot unhelpful ways of thinking and try new
ways to cope. Other types include behavioral activation, interpersonal therapy and
counseling.

For moderate or severe depression, therapy plus antidepressants often works better than
either one alone. You can have therapy one-to-one, in a group, or online. It usually takes a
few weeks to feel the benefit.
""",
        "related": ["Depression", "Antidepressants", "Treatment-resistant depression"],
        "safety_notice": "",
        "is_featured": False,
    },
]

ARTICLES = [
    {
        "title": "Ketamine and Esketamine: Rapid-Acting Options for Depression",
        "slug": "ketamine-and-esketamine-rapid-acting-options-for-depression",
        "summary": (
            "Ketamine and esketamine offer rapid relief for treatment-resistant depression, with "
            "IV ketamine showing stronger effects and esketamine offering a gentler, more "
            "convenient option. Learn how they compare in efficacy, safety, cost, and access."
        ),
        "body": """\
Ketamine and esketamine can ease depression within hours or days. They are used mainly for
treatment-resistant depression (TRD): depression that has not improved enough after at least
two antidepressants. Here is how they compare, and what we still do not know.

## What are ketamine and esketamine?

Ketamine has long been used as an anesthetic, a medicine that puts people to sleep for
surgery. At much lower doses, it can also lift depression. It is usually given as a slow drip
into a vein, called an IV (intravenous) infusion. Ketamine is not approved for depression, so
this use is "off-label": a doctor may prescribe it, but regulators have not reviewed whether
it works and is safe for this purpose.

Esketamine is made from one half of the ketamine molecule. It comes as a nasal spray with the
brand name Spravato. It is licensed in the US, the UK and the European Union for adults with
TRD.[^1]

## How well do they work?

In a key esketamine trial, everyone started a new antidepressant tablet. They also used
either esketamine spray or a placebo spray (a dummy spray with no medicine in it). After 4
weeks, people using esketamine had improved more on average. But many people in both groups
got better.[^2] In a later trial, people who had improved and kept using esketamine were less
likely to relapse, meaning their depression came back, than people switched to placebo.[^3]

IV ketamine has mostly been tested in smaller trials. A review that pooled these studies
suggested IV ketamine may work better than esketamine spray.[^4] But no large trial has
compared the two directly, so experts say we cannot be sure.[^5] A large 2023 trial found that
IV ketamine worked at least as well as electroconvulsive therapy (ECT) for people with TRD who
did not have psychosis (losing touch with reality).[^6]

For many people, the effect fades within days or weeks, so repeat treatments are needed. We
still know little about the safety of using these medicines for years.

## How they are given

| Question | IV ketamine | Esketamine nasal spray |
| --- | --- | --- |
| Approved for depression? | No, used off-label | Yes, for adults with TRD |
| How you get it | Drip into a vein, often over about 40 minutes | You spray it into your nose |
| Where | Hospital or specialist clinic | Certified clinic only, never at home |
| First weeks | Often twice a week; schedules vary | Twice a week for 4 weeks |
| Checks after each dose | Until the effects wear off | At least 2 hours |
| With an antidepressant? | Often, but not always | Usually; the US also allows it alone |
| Driving | Ask the clinic when it is safe | Not until the next day, after sleep |

## Side effects and safety

Side effects usually start during treatment and ease the same day, most within about 2
hours.[^1] The most common are:

- feeling detached from your body or surroundings, or that things are not real (this is
  called dissociation)
- feeling dizzy, sleepy or sick
- a short-term rise in blood pressure

Ketamine can be misused, which is one reason both medicines are only given in a clinic. They
may not be safe if you have some blood vessel problems, such as an aneurysm (a bulging blood
vessel), or high blood pressure that is not under control. Tell your doctor if you have ever
had psychosis or problems with alcohol or drugs, or if you are pregnant.

## Cost and access

In the US, some insurance plans cover esketamine, often after extra paperwork. IV ketamine is
often not covered, so people may pay for each session themselves. In England, the National
Institute for Health and Care Excellence (NICE) did not recommend esketamine for TRD in 2022. It
found the evidence uncertain and the cost too high for the NHS, so it is not routinely available
there.[^7] Be wary of any clinic that promises a cure or does not do a full mental health
assessment first.

## Is it right for me?

These medicines may be worth discussing with your psychiatrist if at least two
antidepressants have not helped enough. They are not a first treatment and do not replace
other care. Questions you could ask:

- What other options do I have, such as a different medicine, talking therapy or ECT?
- How will we know if it is working, and what happens if it wears off?
- How much will it cost, and for how long might I need it?

## When to get help

If you are thinking about suicide or self-harm, or feel unable to keep yourself safe, get help
now. Call your local emergency number, or contact a crisis line such as 988 in the US or
Samaritans on 116 123 in the UK and Ireland. Do not wait for a ketamine appointment. If your
mood gets worse during treatment, tell your care team straight away.

[^1]: Janssen Pharmaceuticals. SPRAVATO (esketamine) nasal spray: full prescribing
    information. US Food and Drug Administration; revised 2025. Available from DailyMed:
    [dailymed.nlm.nih.gov](https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed)
[^2]: Popova V, et al. Efficacy and safety of flexibly dosed esketamine nasal spray combined
    with a newly initiated oral antidepressant in treatment-resistant depression: a randomized
    double-blind active-controlled study. *Am J Psychiatry*. 2019;176(6):428-438.
    doi:[10.1176/appi.ajp.2019.19020172](https://doi.org/10.1176/appi.ajp.2019.19020172)
[^3]: Daly EJ, et al. Efficacy of esketamine nasal spray plus oral antidepressant treatment
    for relapse prevention in patients with treatment-resistant depression: a randomized
    clinical trial. *JAMA Psychiatry*. 2019;76(9):893-903.
    doi:[10.1001/jamapsychiatry.2019.1189](https://doi.org/10.1001/jamapsychiatry.2019.1189)
[^4]: Bahji A, et al. Comparative efficacy of racemic ketamine and esketamine for depression:
    a systematic review and meta-analysis. *J Affect Disord*. 2021;278:542-555.
[^5]: McIntyre RS, et al. Synthesizing the evidence for ketamine and esketamine in
    treatment-resistant depression: an international expert opinion on the available evidence
    and implementation. *Am J Psychiatry*. 2021;178(5):383-399.
    doi:[10.1176/appi.ajp.2020.20081251](https://doi.org/10.1176/appi.ajp.2020.20081251)
[^6]: Anand A, et al. Ketamine versus ECT for nonpsychotic treatment-resistant major
    depression. *N Engl J Med*. 2023;388(25):2315-2325.
    doi:[10.1056/NEJMoa2302399](https://doi.org/10.1056/NEJMoa2302399)
[^7]: National Institute for Health and Care Excellence. Esketamine nasal spray for
    treatment-resistant depression. Technology appraisal guidance TA854. December 2022.
    [nice.org.uk/guidance/ta854](https://www.nice.org.uk/guidance/ta854)
""",
        "topics": ["Ketamine for depression", "Treatment-resistant depression", "Esketamine"],
        "audience": "patients",
    },
    {
        "title": "Esketamine Nasal Spray: What Happens at a Treatment Session",
        "slug": "esketamine-nasal-spray-what-happens-at-a-treatment-session",
        "summary": (
            "What to expect on the day you have esketamine nasal spray: who gives it, how long "
            "you stay, the side effects staff watch for, and how to get home safely."
        ),
        "body": """\
Esketamine nasal spray (brand name Spravato) is only given in a clinic or hospital that is
certified to use it. You do not take it home.[^1]

## Before the dose

A nurse or doctor checks your blood pressure. If it is too high, the dose may wait. Try not
to eat for 2 hours before, and not to drink for 30 minutes before, because the spray can
make you feel sick.[^1]

## During and after the dose

You give yourself the spray while a health professional watches. Many people feel dizzy,
sleepy or "detached" for a while. Staff check on you and your blood pressure for at least
2 hours, until they are sure you are well enough to leave.[^1][^2]

## Getting home

Do not drive, cycle or use machines until the next day, after a night's sleep. Plan for
someone to take you home.[^1]

## When to get help

If you feel much worse, or have thoughts of suicide, tell the clinic team straight away or
call your local emergency number.

[^1]: Janssen Pharmaceuticals. SPRAVATO (esketamine) nasal spray: prescribing information.
    US Food and Drug Administration; 2025.
[^2]: Popova V, et al. Efficacy and safety of flexibly dosed esketamine nasal spray combined
    with a newly initiated oral antidepressant in treatment-resistant depression. *Am J
    Psychiatry*. 2019;176(6):428-438. doi:10.1176/appi.ajp.2019.19020172
""",
        "topics": ["Esketamine", "Treatment-resistant depression"],
        "audience": "patients",
        # Shown in the admin's "Due for review" list: its review is overdue.
        "reviewed_days_ago": 400,
    },
    {
        "title": "Talking Therapies Alongside Medicine for Depression",
        "slug": "talking-therapies-alongside-medicine-for-depression",
        "summary": (
            "Why doctors often suggest a talking therapy as well as medicine for depression, "
            "and what the main types involve."
        ),
        "body": """\
For many people with depression, a talking therapy and an antidepressant together work
better than either on its own.[^1]

## What the main types involve

Cognitive behavioural therapy (CBT) helps you notice and change patterns of thinking and
behaviour that keep low mood going. Other options include behavioural activation and
interpersonal therapy.

## How to start

Your GP can refer you, and in some areas you can refer yourself.

[^1]: Cuijpers P, et al. Adding psychotherapy to antidepressant medication in depression
    and anxiety disorders: a meta-analysis. *World Psychiatry*. 2014;13(1):56-67.
""",
        "topics": ["Talking therapies", "Depression"],
        "audience": "patients",
        # Left waiting in the editors' review queue.
        "state": "in_review",
    },
]


# The "Get help now" card's lines (Helpline): the UK's, shown by default (CRISIS_REGION=GB),
# and the US's. Checked against the services' own pages, December 2026.
HELPLINES = [
    {
        "name": "999",
        "description": "Call 999 or go to A&E now if your life is at risk",
        "phone": "999",
        "hours": "24 hours, every day",
        "region": "GB",
        "is_emergency": True,
        "display_order": 0,
    },
    {
        "name": "Samaritans",
        "description": "If you are struggling to cope and need to talk",
        "phone": "116 123",
        "hours": "Free, 24 hours, every day",
        "region": "GB",
        "display_order": 10,
    },
    {
        "name": "NHS 111",
        "description": "Choose option 2 for the mental health crisis line",
        "phone": "111",
        "hours": "24 hours, every day",
        "region": "GB",
        "display_order": 20,
    },
    {
        "name": "Shout",
        "description": "If you would rather text than talk",
        "text_number": "85258",
        "text_keyword": "SHOUT",
        "hours": "Free, 24 hours, every day",
        "region": "GB",
        "display_order": 30,
    },
    {
        "name": "911",
        "description": "Call 911 if your life is at risk now",
        "phone": "911",
        "hours": "24 hours, every day",
        "region": "US",
        "is_emergency": True,
        "display_order": 0,
    },
    {
        "name": "988 Suicide & Crisis Lifeline",
        "description": "Call or text if you are thinking about suicide or in distress",
        "phone": "988",
        "text_number": "988",
        "hours": "24 hours, every day",
        "region": "US",
        "display_order": 10,
    },
]

# A "When to get help" card for each level, on the depression topics.
CARE_CARDS = [
    {
        "name": "Depression: urgent",
        "level": "urgent",
        "heading": "Call 999 or go to A&E now if:",
        "points": "you have harmed yourself and need treatment\n"
        "you feel you cannot keep yourself safe\n"
        "you are thinking about ending your life and have a plan",
        "action": "If you cannot call, ask someone to call for you.",
        "topics": ["Depression", "Treatment-resistant depression", "Ketamine for depression"],
    },
    {
        "name": "Depression: soon",
        "level": "soon",
        "heading": "See a GP or call NHS 111 soon if:",
        "points": "you have felt low or hopeless for more than 2 weeks\n"
        "your treatment is not helping, or its side effects worry you\n"
        "you are finding it hard to cope with work, family or daily life",
        "action": "Ask your GP surgery for an appointment, or call 111.",
        "topics": ["Depression", "Treatment-resistant depression", "Ketamine for depression"],
    },
    {
        "name": "Depression: self-care",
        "level": "self_care",
        "heading": "Things you can try yourself:",
        "points": "talk to someone you trust about how you feel\n"
        "keep a regular routine of sleep, meals and activity\n"
        "refer yourself to NHS Talking Therapies",
        "action": "",
        "topics": ["Depression"],
    },
]

# Medical codes the demo's topics answer for in the partner API's lookup
# (GET /api/v1/lookup?system=icd10&code=F32): (system, code, the code's own name).
TOPIC_CODES = {
    "Depression": [
        ("icd10", "F32", "Depressive episode"),
        ("icd10", "F33", "Recurrent depressive disorder"),
        ("snomed", "35489007", "Depressive disorder"),
        ("mesh", "D003866", "Depressive Disorder"),
    ],
    "Treatment-resistant depression": [
        ("mesh", "D061218", "Depressive Disorder, Treatment-Resistant"),
    ],
    "Ketamine for depression": [("mesh", "D007649", "Ketamine")],
    "Antidepressants": [("mesh", "D000928", "Antidepressive Agents")],
    "Electroconvulsive therapy": [("mesh", "D004565", "Electroconvulsive Therapy")],
}
