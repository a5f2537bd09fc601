"""Cursor pagination: stable under inserts, cheap at any depth."""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Pages in id order; `?page_size=` up to 1,000, 200 by default."""

    ordering = "id"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000
