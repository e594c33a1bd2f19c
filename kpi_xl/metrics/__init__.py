"""Agent metrics from the shops' own data: platform reports and raw chats and orders."""
