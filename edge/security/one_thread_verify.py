"""argon2id verification on one thread.

argon2-cffi's ``verify`` computes a hash with as many threads as it has lanes
(``p=4`` in the RFC 9106 profile), so one login check takes *both* cores of
the box for ~100 ms and every API request waits behind it. The lanes are part
of the hash (its result does not depend on the thread count), so the same
digest computed on one thread takes one core a little longer and leaves the
other to the money operations. Uses argon2-cffi's documented low-level
``core`` binding; ``edge.security.users`` gates how many run at once.
"""

from __future__ import annotations

import base64
import hmac

from argon2 import Type, extract_parameters
from argon2.exceptions import InvalidHashError
from argon2.low_level import ARGON2_VERSION, core, ffi, lib

__all__ = ["verify"]


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def verify(encoded: str, password: str) -> bool:
    """Whether ``password`` matches the argon2id ``encoded`` hash (PHC string)."""
    try:
        params = extract_parameters(encoded)
        salt, digest = (_b64(part) for part in encoded.rsplit("$", 2)[1:])
    except (InvalidHashError, ValueError):
        return False
    if params.type is not Type.ID or not salt or not digest:
        return False
    pwd = password.encode()
    out = ffi.new("uint8_t[]", len(digest))
    c_pwd, c_salt = ffi.new("uint8_t[]", pwd or b"\0"), ffi.new("uint8_t[]", salt)
    ctx = ffi.new(
        "argon2_context *",
        {
            "version": ARGON2_VERSION,
            "out": out,
            "outlen": len(digest),
            "pwd": c_pwd,
            "pwdlen": len(pwd),
            "salt": c_salt,
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": params.time_cost,
            "m_cost": params.memory_cost,
            "lanes": params.parallelism,
            "threads": 1,  # the point of this module
            "allocate_cbk": ffi.NULL,
            "free_cbk": ffi.NULL,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    if core(ctx, Type.ID.value) != lib.ARGON2_OK:
        return False
    return hmac.compare_digest(bytes(ffi.buffer(out, len(digest))), digest)
