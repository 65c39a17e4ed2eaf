#!/usr/bin/perl
# tests/clients/soaplite/scenario.pl: owns the Perl SOAP::Lite row of the client matrix (SOAP 1.1 and 1.2).
# SOAP::Lite reads no document/literal WSDL, so the calls are built by hand, as DynECT's own Perl examples do:
# the request element in urn:usergate:1, unqualified children, SOAP::Lite's default SOAPAction (uri#method, here
# "urn:usergate:1#<Operation>Request"). Answers are read through SOAP::SOM (valueof, fault, faultdetail).
# Prints "PASS soap11" / "FAIL soap12: why" per binding; exits 1 on any failure.
use strict;
use warnings;
use Scalar::Util qw(reftype);
use SOAP::Lite;

my $NS = 'urn:usergate:1';

sub check {
    my ($cond, $what) = @_;
    die "$what\n" unless $cond;
}

sub client {
    my ($binding) = @_;
    my $url = $binding eq 'soap12' ? $ENV{USERGATE_SOAP12_URL} : $ENV{USERGATE_SOAP11_URL};
    # The version is set before the object is made: SOAP::Lite keeps it in package globals.
    SOAP::Lite->soapversion($binding eq 'soap12' ? '1.2' : '1.1');
    my $soap = SOAP::Lite->new(proxy => $url)->uri($NS)->autotype(0);
    # Faults come back as SOAP::SOM objects instead of dying: the test reads them.
    $soap->on_fault(sub { my ($s, $res) = @_; return ref $res ? $res : die "transport: " . $s->transport->status . "\n" });
    return $soap;
}

# One call: the request element <u:<op>Request> with unqualified children, in the order given.
sub call {
    my ($soap, $op, @pairs) = @_;
    my @params;
    while (my ($k, $v) = splice(@pairs, 0, 2)) {
        push @params, SOAP::Data->name($k => $v);
    }
    return $soap->call(SOAP::Data->name("${op}Request")->prefix('u')->uri($NS), @params);
}

sub status_of { my ($soap) = @_; my ($code) = ($soap->transport->status // '') =~ /^(\d+)/; return $code // 0 }

sub ok {
    my ($som, $op) = @_;
    check(!$som->fault, "$op: fault " . ($som->fault ? $som->faultstring : ''));
    my $status = $som->valueof("//${op}Response/status") // '';
    check($status eq 'success', "$op: status $status");
    return $som;
}

sub run_binding {
    my ($binding) = @_;
    my $soap = client($binding);
    my $v12 = $binding eq 'soap12';
    my $prefix = 'soaplite' . substr($binding, -2) . '_';
    my $name = "${prefix}u1";

    my $som = ok(call($soap, 'SessionLogin', user_name => $ENV{USERGATE_USER},
                      customer_name => $ENV{USERGATE_CUSTOMER}, password => $ENV{USERGATE_PASSWORD}), 'SessionLogin');
    my $token = $som->valueof('//SessionLoginResponse/data/token');
    check($token, 'SessionLogin: no token');
    my $want = $v12 ? 'application/soap+xml' : 'text/xml';
    my $ctype = $soap->transport->http_response->header('Content-Type') // '';
    check(index($ctype, $want) == 0, "reply Content-Type $ctype");

    $som = ok(call($soap, 'CreateUser', token => $token, user_name => $name, password => 'lite-pass-1',
                   nickname => 'Camel', first_name => 'Soap', last_name => 'Lite', email => "$name\@example.org",
                   organization => 'Matrix'), 'CreateUser');
    my $data = $som->valueof('//CreateUserResponse/data');
    check($data->{user_name} eq $name && $data->{user_id} =~ /^\d+$/, "CreateUser: data $data->{user_name}");
    $data = ok(call($soap, 'GetUser', token => $token, user_name => $name), 'GetUser')->valueof('//GetUserResponse/data');
    check($data->{email} eq "$name\@example.org" && $data->{status} eq 'active', "GetUser: $data->{email} $data->{status}");
    my @list = ok(call($soap, 'GetUsers', token => $token, search => $prefix), 'GetUsers')->valueof('//GetUsersResponse/data');
    check(@list == 1 && $list[0]{user_name} eq $name, 'GetUsers: ' . join(',', map { $_->{user_name} } @list));
    $data = ok(call($soap, 'UpdateUser', token => $token, user_name => $name, nickname => 'Dromedary', city => 'Lisbon'),
               'UpdateUser')->valueof('//UpdateUserResponse/data');
    check("$data->{nickname} $data->{city} $data->{version}" eq 'Dromedary Lisbon 2', "UpdateUser: $data->{nickname}");
    $data = ok(call($soap, 'BlockUser', token => $token, user_name => $name), 'BlockUser')->valueof('//BlockUserResponse/data');
    check($data->{status} eq 'blocked', "BlockUser: $data->{status}");
    $data = ok(call($soap, 'UnblockUser', token => $token, user_name => $name), 'UnblockUser')
        ->valueof('//UnblockUserResponse/data');
    check($data->{status} eq 'active', "UnblockUser: $data->{status}");
    ok(call($soap, 'DeleteUser', token => $token, user_name => $name), 'DeleteUser');

    $som = call($soap, 'GetUser', token => $token, user_name => $name);
    check($som->fault, 'GetUser of a deleted user: no fault');
    check(status_of($soap) == ($v12 ? 400 : 500), 'fault HTTP status ' . status_of($soap));
    # SOAP::SOM's faultcode/faultstring/faultdetail know only SOAP 1.1's paths; a 1.2 fault is read from the
    # same SOM at its 1.2 places.
    my ($code, $reason, $detail) = $v12
        ? map({ $som->valueof("/Envelope/Body/Fault/$_") } qw(Code/Value Reason/Text Detail))
        : ($som->faultcode, $som->faultstring, $som->faultdetail);
    check(($code // '') =~ /(?:^|:)(?:${\($v12 ? 'Sender' : 'Client')})$/, 'faultcode ' . ($code // 'none'));
    # xsi:type="tns:ErrorResponseType" makes SOAP::Lite bless the ErrorResponse hash into that class.
    my $error = reftype($detail) && reftype($detail) eq 'HASH' ? $detail->{ErrorResponse} : undef;
    check(reftype($error) && reftype($error) eq 'HASH', 'fault detail has no ErrorResponse');
    my $msg = ref $error->{msgs} eq 'ARRAY' ? $error->{msgs}[0] : $error->{msgs};
    check($error->{status} eq 'failure' && $msg->{err_cd} eq 'NOT_FOUND', "fault detail err_cd $msg->{err_cd}");
    check(($reason // '') eq $msg->{info}, 'faultstring ' . ($reason // 'none'));

    $som = call($soap, 'GetUser', token => $token, fault_incompat => 1, user_name => $name);
    check(!$som->fault && status_of($soap) == 200, 'fault_incompat HTTP status ' . status_of($soap));
    check($som->valueof('//GetUserResponse/status') eq 'failure', 'fault_incompat=1: status');
    check($som->valueof('//GetUserResponse/msgs/err_cd') eq 'NOT_FOUND', 'fault_incompat=1: err_cd');
    ok(call($soap, 'SessionLogout', token => $token), 'SessionLogout');
}

my $failed = 0;
for my $binding (qw(soap11 soap12)) {
    if (eval { run_binding($binding); 1 }) {
        print "PASS $binding\n";
    } else {
        my $why = $@ || 'unknown error';
        chomp $why;
        print "FAIL $binding: " . substr($why, 0, 400) . "\n";
        $failed = 1;
    }
}
exit $failed;
