"""Types of the C extension (see _zipcrypto.c)."""

def search(
    prefix: bytes, charset: bytes, suffix_len: int, headers: bytes, checks: bytes, /
) -> list[bytes]: ...
