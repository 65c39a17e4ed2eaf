-- bench/update_users.lua: wrk script posting one native update-user read (OP: GetUpdateUsers or
-- GetUpdateUserPassword of DDNS_USER) with a live token (TOKEN) to /SOAP/.
local token = os.getenv("TOKEN") or ""
local op = os.getenv("OP") or "GetUpdateUsers"
local target = os.getenv("DDNS_USER") or ""
local child = ""
if op == "GetUpdateUserPassword" then child = "<user_name>" .. target .. "</user_name>" end
wrk.method = "POST"
wrk.path = "/SOAP/"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = '"urn:usergate:1#' .. op .. '"'
wrk.body = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1">'
  .. '<soapenv:Body><u:' .. op .. 'Request><token>' .. token .. '</token>' .. child
  .. '</u:' .. op .. 'Request></soapenv:Body></soapenv:Envelope>'

done = function(summary, latency, requests)
  io.write(string.format("p50=%.2fms p99=%.2fms non200=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
