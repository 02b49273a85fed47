"""An async notifier on httpx.AsyncClient."""

import httpx


async def remind_cart(base_url, access_token, items):
    payload = {
        "appId": "2021004125637654",
        "accessToken": access_token,
        "requestId": f"cart-{access_token[:8]}",
        "templateCode": "TP_CART",
        "templates": [
            {"templateParameters": {"items": str(items), "pushContentUrl": "/pages/cart"}}
        ],
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{base_url}/v2/customers/message/sendByAccessToken", json=payload
        )
    return response.json()
