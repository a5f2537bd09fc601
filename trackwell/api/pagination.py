"""Cursor pagination: stable under inserts, cheap at any depth."""

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class IdCursorPagination(CursorPagination):
    """Pages in id order; `?page_size=` up to 1,000, 200 by default."""

    ordering = "id"
    page_size = 200
    page_size_query_param = "page_size"
    max_page_size = 1000

    def decode_cursor(self, request: Request) -> Any:
        cursor = super().decode_cursor(request)
        # DRF trusts the position inside a well-formed cursor; ids are whole numbers.
        if cursor is not None and cursor.position is not None:
            try:
                value = int(cursor.position)
            except (TypeError, ValueError):
                raise NotFound(self.invalid_cursor_message) from None
            if not 0 <= value < 2**63:
                raise NotFound(self.invalid_cursor_message)
        return cursor
