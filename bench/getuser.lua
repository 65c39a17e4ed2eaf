-- bench/getuser.lua: wrk script posting one native GetUser with a live token (TOKEN env var) to /SOAP/.
local token = os.getenv("TOKEN") or ""
wrk.method = "POST"
wrk.path = "/SOAP/"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
wrk.headers["SOAPAction"] = '"urn:usergate:1#GetUser"'
wrk.body = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1">'
  .. '<soapenv:Body><u:GetUserRequest><token>' .. token .. '</token><user_name>owner</user_name>'
  .. '</u:GetUserRequest></soapenv:Body></soapenv:Envelope>'

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end
done = function(summary, latency, requests)
  io.write(string.format("p50=%.2fms p99=%.2fms non200=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status))
end
