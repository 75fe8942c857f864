"""The catalogue's entries of the staff workbench's pages, one module per page (key -> (zh, en)).

Each module holds ``MESSAGES``; web/i18n.py merges them into the one catalogue and refuses a key defined twice.
A page's own labels live in its module; labels shared by many pages (layers, fields, levels, errors) stay in
web/i18n.py.
"""
