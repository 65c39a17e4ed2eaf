<?php
// tests/clients/php/scenario.php: owns the PHP SoapClient row of the client matrix (SOAP 1.1 and 1.2, usergate.wsdl).
// The matrix scenario (tests/clients/README.md) through SoapClient built from the live WSDL, once per version.
// Answers are read through SoapClient's objects and SoapFault (its detail's ErrorResponse), never from the XML.
// Prints "PASS soap11" / "FAIL soap12: why" per binding; exits 1 on any failure.

function check($cond, $what) {
    if (!$cond) {
        throw new Exception($what);
    }
}

function http_status(SoapClient $c) {
    preg_match('#^HTTP/\S+ (\d+)#', (string) $c->__getLastResponseHeaders(), $m);
    return (int) ($m[1] ?? 0);
}

function run_binding($binding) {
    $v12 = $binding === 'soap12';
    $c = new SoapClient(getenv('USERGATE_WSDL_URL'), [
        'soap_version' => $v12 ? SOAP_1_2 : SOAP_1_1,
        'location' => getenv($v12 ? 'USERGATE_SOAP12_URL' : 'USERGATE_SOAP11_URL'),
        'cache_wsdl' => WSDL_CACHE_NONE,
        'exceptions' => true,
        'trace' => true,
        // A repeated element holding one item is still an array.
        'features' => SOAP_SINGLE_ELEMENT_ARRAYS,
    ]);
    $prefix = 'php' . substr($binding, -2) . '_';
    $name = $prefix . 'u1';

    $r = $c->SessionLogin(['user_name' => getenv('USERGATE_USER'), 'customer_name' => getenv('USERGATE_CUSTOMER'),
                           'password' => getenv('USERGATE_PASSWORD')]);
    check($r->status === 'success' && $r->data->token !== '', 'SessionLogin: ' . json_encode($r));
    $want_type = $v12 ? 'application/soap+xml' : 'text/xml';
    check(stripos((string) $c->__getLastResponseHeaders(), "Content-Type: $want_type") !== false,
          'reply Content-Type: ' . $c->__getLastResponseHeaders());
    $token = $r->data->token;
    $r = $c->CreateUser(['token' => $token, 'user_name' => $name, 'password' => 'php-pass-12', 'nickname' => 'Elephant',
                         'first_name' => 'Php', 'last_name' => 'Client', 'email' => "$name@example.org",
                         'organization' => 'Matrix']);
    check($r->status === 'success' && $r->data->user_name === $name && is_int($r->data->user_id),
          'CreateUser: ' . json_encode($r));
    $r = $c->GetUser(['token' => $token, 'user_name' => $name]);
    check($r->data->email === "$name@example.org" && $r->data->status === 'active', 'GetUser: ' . json_encode($r));
    $r = $c->GetUsers(['token' => $token, 'search' => $prefix]);
    check(array_map(fn($u) => $u->user_name, $r->data) === [$name], 'GetUsers: ' . json_encode($r));
    $r = $c->UpdateUser(['token' => $token, 'user_name' => $name, 'nickname' => 'Elephpant', 'city' => 'Paris']);
    check([$r->data->nickname, $r->data->city, $r->data->version] === ['Elephpant', 'Paris', 2],
          'UpdateUser: ' . json_encode($r));
    $r = $c->BlockUser(['token' => $token, 'user_name' => $name]);
    check($r->data->status === 'blocked', 'BlockUser: ' . json_encode($r));
    $r = $c->UnblockUser(['token' => $token, 'user_name' => $name]);
    check($r->data->status === 'active', 'UnblockUser: ' . json_encode($r));
    $r = $c->DeleteUser(['token' => $token, 'user_name' => $name]);
    check($r->status === 'success', 'DeleteUser: ' . json_encode($r));
    try {
        $r = $c->GetUser(['token' => $token, 'user_name' => $name]);
        throw new Exception('GetUser of a deleted user answered ' . json_encode($r));
    } catch (SoapFault $f) {
        check(http_status($c) === ($v12 ? 400 : 500), 'fault HTTP status ' . http_status($c));
        // SoapClient hands over the faultcode QName as written (soap:Client); its local part is the code.
        check(preg_replace('/^.*:/', '', $f->faultcode) === ($v12 ? 'Sender' : 'Client'), "faultcode {$f->faultcode}");
        // xsi:type on ErrorResponse: SoapClient decodes it as that WSDL type and keeps it under enc_value.
        $detail = $f->detail->ErrorResponse->enc_value ?? $f->detail->ErrorResponse ?? null;
        check($detail !== null, 'fault detail: ' . json_encode($f->detail));
        $msg = $detail->msgs[0] ?? $detail->msgs;
        check($detail->status === 'failure' && $msg->err_cd === 'NOT_FOUND', 'fault detail: ' . json_encode($detail));
        check($f->faultstring === $msg->info, "faultstring {$f->faultstring}");
    }
    $r = $c->GetUser(['token' => $token, 'fault_incompat' => 1, 'user_name' => $name]);
    check(http_status($c) === 200, 'fault_incompat HTTP status ' . http_status($c));
    check($r->status === 'failure' && $r->msgs[0]->err_cd === 'NOT_FOUND', 'fault_incompat=1: ' . json_encode($r));
    $r = $c->SessionLogout(['token' => $token]);
    check($r->status === 'success', 'SessionLogout: ' . json_encode($r));
}

$failed = false;
foreach (['soap11', 'soap12'] as $binding) {
    try {
        run_binding($binding);
        echo "PASS $binding\n";
    } catch (Throwable $e) {
        fwrite(STDERR, $e . "\n");
        echo 'FAIL ' . $binding . ': ' . substr(get_class($e) . ': ' . $e->getMessage(), 0, 400) . "\n";
        $failed = true;
    }
}
exit($failed ? 1 : 0);
