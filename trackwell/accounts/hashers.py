"""Password hashing tuned for a small school server."""

from django.contrib.auth.hashers import Argon2PasswordHasher

from trackwell.core.concurrency import heavy_work


class SchoolServerArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at the OWASP minimum (19 MiB, two passes, one lane).

    Django's default (100 MiB, eight lanes) costs about 200 ms of CPU and 100 MiB
    a sign-in, so a burst of staff signing in at 8:45 starves a 2-core server.
    Hashes made with other parameters still verify and are rehashed with these
    at the next sign-in (Django's `must_update`); throttling covers guessing.
    """

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1

    # Each hash takes a turn with other heavy work (`core.concurrency`): a burst of
    # sign-ins cannot take the CPU from staff already at work, and the memory
    # Argon2 needs is bounded by the number of turns, not of requests.
    def encode(self, password: str, salt: str) -> str:
        with heavy_work():
            return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        with heavy_work():
            return super().verify(password, encoded)

    def harden_runtime(self, password: str, encoded: str) -> None:
        with heavy_work():
            super().harden_runtime(password, encoded)
