// A legacy Node client: signs a sendInbox the way the official SDKs do and posts it.
// usage: node send_inbox.js BASE_URL CLIENT_ID PRIVATE_KEY_PEM_FILE PUBLIC_KEY_PEM_FILE
const crypto = require("crypto");
const fs = require("fs");
const http = require("http");

const [base, clientId, keyFile, publicKeyFile] = process.argv.slice(2);
const privateKey = fs.readFileSync(keyFile);
const publicKey = fs.readFileSync(publicKeyFile);
const url = new URL(base + "/api/open/v2/messages/sendInbox");
const body = JSON.stringify({
  accessToken: "2019112719074101000700000077771xxxx",
  authClientId: "2021004125637654",
  requestId: "node-order-42",
  templateCode: "TP_ORDER_SHIPPED",
  templates: [
    { templateParameters: { who: "Ana", pushContentUrl: "/pages/orders/42" }, language: "en-US" },
  ],
});
const time = new Date().toISOString();
const content = `POST ${url.pathname}\n${clientId}.${time}.${body}`;
const signature = encodeURIComponent(
  crypto.sign("sha256", Buffer.from(content), privateKey).toString("base64"),
);
const request = http.request(url, {
  method: "POST",
  headers: {
    "Content-Type": "application/json; charset=UTF-8",
    "Client-Id": clientId,
    "Request-Time": time,
    Signature: `algorithm=RSA256, keyVersion=1, signature=${signature}`,
    "Content-Length": Buffer.byteLength(body),
  },
}, (response) => {
  const chunks = [];
  response.on("data", (chunk) => chunks.push(chunk));
  response.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8");
    const answerTime = response.headers["response-time"];
    const answerSignature = /signature=([^,\s]+)/.exec(response.headers.signature)[1];
    const answerContent = `POST ${url.pathname}\n${response.headers["client-id"]}.${answerTime}.${raw}`;
    const verified = crypto.verify(
      "sha256", Buffer.from(answerContent), publicKey,
      Buffer.from(decodeURIComponent(answerSignature), "base64"),
    );
    console.log(JSON.stringify({
      status: response.statusCode,
      body: JSON.parse(raw),
      verified,
      deprecation: response.headers.deprecation,
      sunset: response.headers.sunset,
      link: response.headers.link,
    }));
  });
});
request.end(body);
