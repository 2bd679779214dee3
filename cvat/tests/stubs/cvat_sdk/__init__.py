"""Minimal stand-in for the parts of ``cvat_sdk`` the auto-annotation module imports.

``cvat-sdk`` is not installable offline here. These stand-ins follow its documented interface
(``cvat_sdk/auto_annotation/interface.py``): the factories return objects with the same fields as
the SDK's request models, so the tests check what the module passes to them.
"""
