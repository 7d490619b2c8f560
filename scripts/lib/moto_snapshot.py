"""Snapshots of the accounts a moto server holds (scripts/lib/moto_server_launcher.py serves them).

Every service's backend dictionary keeps one entry per account; a snapshot is those entries for some accounts, pickled
with cloudpickle (moto's models hold lambdas and local classes). What pickle cannot take is rebuilt: OpenSSL keys and
certificates go as DER, locks as fresh locks (nobody holds one while a snapshot is taken), and a reference to another
service's backend dictionary as the name of the live one, so that a loaded server keeps one dictionary per service.
"""

import _thread
import collections
import importlib
import os
import pickle
import sys
import threading
from typing import Any

import cloudpickle
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from moto.core.base_backend import BackendDict, backend_lock

PRIVATE_KEY_TYPES = (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, dsa.DSAPrivateKey, ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey, x25519.X25519PrivateKey, x448.X448PrivateKey)
PUBLIC_KEY_TYPES = (rsa.RSAPublicKey, ec.EllipticCurvePublicKey, dsa.DSAPublicKey, ed25519.Ed25519PublicKey, ed448.Ed448PublicKey, x25519.X25519PublicKey, x448.X448PublicKey)


def _module_names() -> dict[int, tuple[str, str]]:
    """Where each backend dictionary lives: (module, attribute), found among the modules moto has loaded."""
    found: dict[int, tuple[str, str]] = {}
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("moto.") or module is None:
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, BackendDict) and id(value) not in found:
                found[id(value)] = (module_name, attr)
    return found


class _Pickler(cloudpickle.Pickler):
    def __init__(self, file: Any, names: dict[int, tuple[str, str]]):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._names = names

    def persistent_id(self, obj: Any) -> Any:
        if isinstance(obj, BackendDict):
            return self._names[id(obj)]
        return None

    def reducer_override(self, obj: Any) -> Any:
        # Keys and certificates (KMS, ACM, EC2 key pairs) are OpenSSL objects pickle cannot take: they go as DER.
        if isinstance(obj, PRIVATE_KEY_TYPES):
            der = obj.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            return _private_key, (der,)
        if isinstance(obj, PUBLIC_KEY_TYPES):
            return _public_key, (obj.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),)
        if isinstance(obj, x509.Certificate):
            return _certificate, (obj.public_bytes(serialization.Encoding.DER),)
        # A lock is held by nobody while the snapshot is taken (requests wait on _serial): a fresh one is the same.
        if isinstance(obj, _thread.LockType):
            return threading.Lock, ()
        if isinstance(obj, _thread.RLock):
            return threading.RLock, ()
        # A defaultdict subclass with its own __init__ (SSM's ParameterDict): defaultdict's reduce would call that
        # __init__ with the factory alone.
        if isinstance(obj, collections.defaultdict) and type(obj) is not collections.defaultdict:
            return _defaultdict, (type(obj), obj.default_factory), (vars(obj) or None), None, iter(obj.items())
        return super().reducer_override(obj)


# Module-level, so that pickle can name them (cryptography's own loaders live in a Rust module it cannot import).
def _private_key(der: bytes) -> Any:
    return serialization.load_der_private_key(der, None)


def _public_key(der: bytes) -> Any:
    return serialization.load_der_public_key(der)


def _certificate(der: bytes) -> Any:
    return x509.load_der_x509_certificate(der)


def _defaultdict(cls: type, factory: Any) -> Any:
    obj = collections.defaultdict.__new__(cls)
    collections.defaultdict.__init__(obj, factory)
    return obj


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        module_name, attr = pid
        return getattr(importlib.import_module(module_name), attr)


# Attributes every backend dictionary has; any other (S3's bucket namespace, Organizations' master accounts) maps
# names to accounts and is kept for the snapshot's accounts only.
_BASE_ATTRS = {"backend", "service_name", "_use_boto3_regions", "_additional_regions", "_id"}


def _mentions(account: str, key: Any, value: Any) -> bool:
    values = value if isinstance(value, tuple) else (value,)
    return account == key or account in values


def save(path: str, accounts: set[str]) -> int:
    with backend_lock:
        names = _module_names()
        content = []
        for bd in BackendDict._instances:
            kept = {a: b for a, b in dict.items(bd) if a in accounts}
            extras = {
                attr: {k: v for k, v in value.items() if any(_mentions(a, k, v) for a in accounts)}
                for attr, value in vars(bd).items()
                if attr not in _BASE_ATTRS and isinstance(value, dict)
            }
            if kept:
                content.append((names[id(bd)], kept, extras))
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            _Pickler(f, names).dump({"accounts": sorted(accounts), "backends": content})
        os.replace(tmp, path)
        return len(content)


def load(path: str) -> int:
    """Puts the snapshot's accounts in place of whatever this server holds for them; other accounts are untouched."""
    with open(path, "rb") as f:
        snapshot = _Unpickler(f).load()
    with backend_lock:
        for (module_name, attr), accounts, extras in snapshot["backends"]:
            bd = getattr(importlib.import_module(module_name), attr)
            for account, backend in accounts.items():
                dict.__setitem__(bd, account, backend)
            for name, entries in extras.items():
                getattr(bd, name).update(entries)
            if bd not in BackendDict._instances:
                BackendDict._instances.append(bd)
        return len(snapshot["backends"])
