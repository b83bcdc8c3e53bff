"""Who may do what: the permission matrix (policy.py), the people and their roles (people.py), and
who is signing in (identity.py).

The domain's commands call policy.require / require_in where they write; the pages only ask
policy.allowed to hide what a role cannot use. This package may import the domain's models and
db; it never imports ui, workbook, demo or bench.
"""

from .policy import Permission, allowed, allowed_somewhere, require, require_in

__all__ = ["Permission", "allowed", "allowed_somewhere", "require", "require_in"]
