"""The public, read-only API at /api/v1/ (django-ninja): root.py mounts each router."""
