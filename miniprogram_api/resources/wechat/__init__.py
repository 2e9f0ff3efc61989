"""WeChat's calls to us: the message server (消息推送) and the image it fetches to check."""
