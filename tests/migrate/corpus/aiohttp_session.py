"""An aiohttp session that sends order updates."""

import aiohttp


async def order_update(base_url, access_token, status):
    async with aiohttp.ClientSession() as session:
        async with session.post(
            "{}/v2/messages/sendInbox".format(base_url),
            json={
                "accessToken": access_token,
                "authClientId": "2021004125637654",
                "requestId": "update-" + status,
                "templateCode": "TP_UPDATE",
                "templates": [
                    {"templateParameters": {"status": status, "pushContentUrl": "/pages/o"}}
                ],
            },
        ) as response:
            return await response.json()
