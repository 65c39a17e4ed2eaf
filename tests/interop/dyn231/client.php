<?php
// tests/interop/dyn231/client.php: owns the PHP SoapClient side of the DynECT 2.3.1 interop test (test_dynect.py).
//
// Usage: php client.php <Dyn's 2.3.1 WSDL file> <endpoint URL> <owner password>
// Loads Dyn's WSDL unchanged (only `location` overrides its endpoint), runs login, create, get, list, update, a
// fault, delete, logout and a fault_incompat=1 failure through SoapClient, and prints what it read through
// SoapClient's objects as one JSON document. The assertions live in test_dynect.py; this exits non-zero only when
// SoapClient itself throws where the test expects an answer.

[$_, $wsdl, $endpoint, $owner_password] = $argv;
ini_set('soap.wsdl_cache_enabled', '0');
$c = new SoapClient($wsdl, [
    'location' => $endpoint,
    'soap_version' => SOAP_1_1,
    'exceptions' => true,
    'trace' => true,
    'cache_wsdl' => WSDL_CACHE_NONE,
]);

// A repeated element is an array when there are several, a bare value when there is one.
function many($v) {
    if ($v === null) return [];
    return is_array($v) ? $v : [$v];
}

$seen = [];
$login = $c->SessionLogin(['user_name' => 'owner', 'customer_name' => 'default', 'password' => $owner_password]);
$token = $login->data->token;
$seen['login_token'] = $token;
$seen['login_version'] = $login->data->version;

$profile = ['nickname' => 'Dee', 'first_name' => 'Dana', 'last_name' => 'Dyn', 'email' => 'dana@example.com',
            'organization' => 'Dyn Legacy'];
$r = $c->CreateUser(['token' => $token, 'user_name' => 'php-dyn2', 'password' => 'php-dyn2-pass', 'roles' => 'ADMIN']
                    + $profile);
$seen['create'] = ['status' => $r->status, 'user_name' => $r->data->user_name, 'roles' => $r->data->roles,
                   'daan' => $r->data->daan, 'email' => $r->data->email, 'user_status' => $r->data->status];

$r = $c->GetOneUser(['token' => $token, 'user_name' => 'php-dyn2']);
$seen['get_nickname'] = $r->data->nickname;

$r = $c->GetUsers(['token' => $token]);
$seen['list'] = array_map(fn($u) => $u->user_name, many($r->data));

$r = $c->UpdateUser(['token' => $token, 'user_name' => 'php-dyn2', 'newuser_name' => 'php-dyn2b', 'city' => 'Keene']);
$seen['update'] = ['status' => $r->status, 'user_name' => $r->data->user_name, 'city' => $r->data->city];

// Dyn's PHP clients read a fault's detail as $ex->detail->ErrorResponse->enc_value (xsi:type makes it a SoapVar).
try {
    $c->GetOneUser(['token' => $token, 'user_name' => 'php-dyn2']);
    $seen['fault'] = 'no fault';
} catch (SoapFault $ex) {
    $er = $ex->detail->ErrorResponse->enc_value;
    $msg = many($er->msgs)[0];
    $seen['fault'] = ['faultcode' => preg_replace('/^.*:/', '', $ex->faultcode), 'status' => $er->status,
                      'job_id' => $er->job_id, 'err_cd' => $msg->err_cd, 'info' => $msg->info];
}

$r = $c->DeleteOneUser(['token' => $token, 'user_name' => 'php-dyn2b']);
$seen['delete_status'] = $r->status;

$r = $c->SessionLogout(['token' => $token]);
$seen['logout_status'] = $r->status;

// fault_incompat=1: the failure is a normal response with status=failure.
$r = $c->SessionIsAlive(['token' => $token, 'fault_incompat' => 1]);
$msg = many($r->msgs)[0];
$seen['failure'] = ['status' => $r->status, 'err_cd' => $msg->err_cd, 'info' => $msg->info];

try {
    $c->SessionIsAlive(['token' => $token]);
    $seen['dead_token_fault_err_cd'] = 'no fault';
} catch (SoapFault $ex) {
    $seen['dead_token_fault_err_cd'] = many($ex->detail->ErrorResponse->enc_value->msgs)[0]->err_cd;
}

echo json_encode($seen, JSON_PRETTY_PRINT), "\n";
