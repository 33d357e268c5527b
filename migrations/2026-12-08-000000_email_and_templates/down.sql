ALTER TABLE friend_plans DROP COLUMN reminder_leads;
DROP TABLE friend_notifications;
ALTER TABLE deliveries DROP COLUMN recipient;
