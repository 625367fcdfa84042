"""The one error the reports raise: something an operator can act on (a visibility query
refused, an owner file that cannot be read), printed by the CLI as one line."""


class ReportError(Exception):
    pass
