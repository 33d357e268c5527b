DROP TABLE account_identities;
DROP TABLE sso_logins;
