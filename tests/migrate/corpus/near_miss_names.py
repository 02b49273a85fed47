"""Names that look like the legacy API and are not."""

import logging

log = logging.getLogger(__name__)

OAUTH = {"authClientId": "web-portal", "scopes": ["read"]}
ARCHIVE_PATH = "/v2/messages/sendInboxes"


class Mailbox:
    def send_inbox(self, message):
        log.info("sendInbox of the mail system: %s", message)
        return message


def archive(mailbox, message):
    return mailbox.send_inbox({"authClientId": "mail", "body": message})
