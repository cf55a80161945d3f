"""Progress reporting engines: log entry rules, the status report, reminders and digests.
Pure: plan, logs and evidence come in as plain data; nothing here touches the store."""
