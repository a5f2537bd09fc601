"""The REST API: keys, scopes and endpoints over the same access layer as the pages."""
