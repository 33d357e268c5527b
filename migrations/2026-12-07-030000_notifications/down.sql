DROP TABLE deliveries;
DROP TABLE outbox_events;
DROP TABLE notification_channels;
