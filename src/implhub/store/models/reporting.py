"""Tables of the reporting capability (none yet: it may use the shared evidence table).

Add SQLAlchemy 2 models here (Mapped[], mapped_column) and the matching Alembic migration in
store/migrations/versions/ (the file reserved for reporting)."""
