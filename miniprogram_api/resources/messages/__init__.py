"""The inbox and WeChat subscriptions (我的消息)."""
