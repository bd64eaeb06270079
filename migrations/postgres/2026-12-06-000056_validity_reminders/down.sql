DROP TABLE validity_reminders;
