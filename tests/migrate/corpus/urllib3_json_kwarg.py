"""The same over urllib3 2.x, with json= and a pool shared by the module."""
import urllib3

APP_ID = "2021004125637654"
BASE = "http://127.0.0.1:1"

http = urllib3.PoolManager(retries=urllib3.Retry(total=2, allowed_methods=None))


def refund(token, refund_id, amount, base=BASE):
    resp = http.request(
        "POST",
        base + "/v2/messages/sendInbox",
        json={
            "accessToken": token,
            "authClientId": APP_ID,
            "requestId": f"refund:{refund_id}",
            "templateCode": "TP_REFUND",
            "extendInfo": '{"kind":"refund"}',
            "templates": [
                {"templateParameters": {"amount": amount, "pushContentUrl": f"/refunds/{refund_id}"}, "language": "th-TH"},
                {"templateParameters": {"amount": amount, "pushContentUrl": f"/refunds/{refund_id}"}, "language": "en-US"},
            ],
        },
    )
    return resp.json()


def survey(token, base=BASE):
    return http.request(
        "POST",
        base + "/v2/customers/message/sendByAccessToken",
        json={"appId": APP_ID, "accessToken": token, "templateCode": "TP_SURVEY",
              "templates": [{"templateParameters": {"pushContentUrl": "/survey"}}]},
    ).json()
