"""Hospital login (LDAP / Active Directory): django-auth-ldap's ``AUTH_LDAP_*`` settings from the environment.

Read by ``settings.py`` only when ``MYOQA_LDAP_SERVER_URI`` is set, so a site without a directory (and the
embedded ``make run`` set-up) never imports python-ldap. Each variable is in README, "Deploy: hospital login".

Users are looked up by a search (a service account binds, finds the user's DN, then the user's own password is
checked by binding as that DN); their group membership decides their role on every login
(:mod:`backend.accounts.ldap`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_str

GROUP_TYPES = ("groupOfNames", "groupOfUniqueNames", "posixGroup", "activeDirectory", "nestedActiveDirectory")
"""Values of ``MYOQA_LDAP_GROUP_TYPE``: how a group lists its members."""


def _required(name: str, value: str) -> str:
    if not value.strip():
        raise ImproperlyConfigured(f"{name} must be set when MYOQA_LDAP_SERVER_URI is set (see README, hospital login)")
    return value.strip()


def ldap_settings() -> dict[str, Any]:
    """The ``AUTH_LDAP_*`` settings for django-auth-ldap, read from the environment.

    Returns
    -------
    dict
        Setting name -> value, for ``globals().update`` in the settings module (and for tests, which apply them
        with pytest-django's ``settings`` fixture).

    Raises
    ------
    ImproperlyConfigured
        A required variable is missing (the user search base, a role group), a group type is unknown, or a
        boolean or integer is malformed.
    """
    import ldap
    from django_auth_ldap import config

    uri = _required("MYOQA_LDAP_SERVER_URI", env_str("MYOQA_LDAP_SERVER_URI", ""))
    user_base = _required("MYOQA_LDAP_USER_SEARCH_BASE", env_str("MYOQA_LDAP_USER_SEARCH_BASE", ""))
    user_filter = env_str("MYOQA_LDAP_USER_FILTER", "(uid=%(user)s)").strip()
    if "%(user)s" not in user_filter:
        raise ImproperlyConfigured(
            f"MYOQA_LDAP_USER_FILTER={user_filter!r} must contain %(user)s (e.g. (sAMAccountName=%(user)s) for AD)"
        )
    supervisor_group = _required("MYOQA_LDAP_SUPERVISOR_GROUP", env_str("MYOQA_LDAP_SUPERVISOR_GROUP", ""))
    trainee_group = _required("MYOQA_LDAP_TRAINEE_GROUP", env_str("MYOQA_LDAP_TRAINEE_GROUP", ""))
    group_base = env_str("MYOQA_LDAP_GROUP_SEARCH_BASE", "").strip() or user_base
    group_type = env_str("MYOQA_LDAP_GROUP_TYPE", "groupOfNames").strip()
    types = {
        "groupOfNames": (config.GroupOfNamesType, "(objectClass=groupOfNames)"),
        "groupOfUniqueNames": (config.GroupOfUniqueNamesType, "(objectClass=groupOfUniqueNames)"),
        "posixGroup": (config.PosixGroupType, "(objectClass=posixGroup)"),
        "activeDirectory": (config.ActiveDirectoryGroupType, "(objectClass=group)"),
        "nestedActiveDirectory": (config.NestedActiveDirectoryGroupType, "(objectClass=group)"),
    }
    if group_type not in types:
        raise ImproperlyConfigured(f"MYOQA_LDAP_GROUP_TYPE={group_type!r} is not one of {', '.join(GROUP_TYPES)}")
    group_class, group_filter = types[group_type]
    timeout_s = env_int("MYOQA_LDAP_TIMEOUT_S", 5)
    options: dict[Any, Any] = {
        ldap.OPT_NETWORK_TIMEOUT: timeout_s,  # a directory that does not answer never hangs a login
        ldap.OPT_TIMEOUT: timeout_s,
        ldap.OPT_REFERRALS: 0,  # Active Directory's referrals need credentials of their own
    }
    ca_file = env_str("MYOQA_LDAP_CA_CERT_FILE", "").strip()
    if ca_file:
        options[ldap.OPT_X_TLS_CACERTFILE] = ca_file
        options[ldap.OPT_X_TLS_REQUIRE_CERT] = ldap.OPT_X_TLS_DEMAND
        options[ldap.OPT_X_TLS_NEWCTX] = 0
    return {
        "AUTH_LDAP_SERVER_URI": uri,
        "AUTH_LDAP_BIND_DN": env_str("MYOQA_LDAP_BIND_DN", ""),
        "AUTH_LDAP_BIND_PASSWORD": env_str("MYOQA_LDAP_BIND_PASSWORD", ""),
        "AUTH_LDAP_START_TLS": env_bool("MYOQA_LDAP_START_TLS", False),
        "AUTH_LDAP_CONNECTION_OPTIONS": options,
        "AUTH_LDAP_USER_SEARCH": config.LDAPSearch(user_base, ldap.SCOPE_SUBTREE, user_filter),
        "AUTH_LDAP_USER_ATTR_MAP": {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_GROUP_SEARCH": config.LDAPSearch(group_base, ldap.SCOPE_SUBTREE, group_filter),
        "AUTH_LDAP_GROUP_TYPE": group_class(),
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,  # name and role follow the directory on every login
        "AUTH_LDAP_CACHE_TIMEOUT": 0,  # a group change counts at the next login
        "LDAP_SUPERVISOR_GROUP": supervisor_group,
        "LDAP_TRAINEE_GROUP": trainee_group,
    }
