DROP TABLE api_token_addresses;
