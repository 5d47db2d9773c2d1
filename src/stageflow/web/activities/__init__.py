"""Web screens: activities and attachments of any record, my activities, reminders."""
