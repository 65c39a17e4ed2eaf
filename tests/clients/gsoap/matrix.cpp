// tests/clients/gsoap/matrix.cpp: owns the gSOAP row of the client matrix (the scenario, through soapcpp2's proxy).
//
// The classes come from `wsdl2h` + `soapcpp2 -j -C` run on wsdl/usergate.wsdl (see build.sh). The scenario:
// login, create, get, list, update, block, unblock, delete, then two failures (GetUser of the deleted user: a SOAP
// Fault read from the proxy's soap_fault(), faultcode, faultstring and the detail's typed ns1:ErrorResponse; and the
// same call with fault_incompat=1 answered status=failure, read from the typed response), then logout.
//
// usage: matrix soap11|soap12 ENDPOINT PREFIX CUSTOMER USER PASSWORD     (exit 0 when every step passed)
#include "soapUsergateBindingProxy.h"
#include "UsergateBinding.nsmap"

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

// The namespace table decides the envelope version gSOAP writes. The generated table follows the WSDL's bindings
// (SOAP 1.2 once the WSDL has a 1.2 binding), so each binding gets its own table; the third column lets the
// reader accept the other version's namespace, as the generated table does.
const struct Namespace ns_soap11[] = {
    {"SOAP-ENV", "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/*/soap-envelope", NULL},
    {"SOAP-ENC", "http://schemas.xmlsoap.org/soap/encoding/", "http://www.w3.org/*/soap-encoding", NULL},
    {"xsi", "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/*/XMLSchema-instance", NULL},
    {"xsd", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/*/XMLSchema", NULL},
    {"ns1", "urn:usergate:1", NULL, NULL},
    {NULL, NULL, NULL, NULL}};
const struct Namespace ns_soap12[] = {
    {"SOAP-ENV", "http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/", NULL},
    {"SOAP-ENC", "http://www.w3.org/2003/05/soap-encoding", "http://schemas.xmlsoap.org/soap/encoding/", NULL},
    {"xsi", "http://www.w3.org/2001/XMLSchema-instance", "http://www.w3.org/*/XMLSchema-instance", NULL},
    {"xsd", "http://www.w3.org/2001/XMLSchema", "http://www.w3.org/*/XMLSchema", NULL},
    {"ns1", "urn:usergate:1", NULL, NULL},
    {NULL, NULL, NULL, NULL}};

// The proxy's methods of one binding: wsdl2h names the SOAP 1.1 binding's operations GetUser, ... and the SOAP 1.2
// binding's GetUser_, ... (same messages, same proxy class).
template <typename Req, typename Resp>
using Method = int (UsergateBindingProxy::*)(const char *, const char *, Req *, Resp &);
struct Binding {
    Method<ns1__SessionLoginRequestType, ns1__SessionLoginResponseType> SessionLogin;
    Method<ns1__SessionLogoutRequestType, ns1__SessionLogoutResponseType> SessionLogout;
    Method<ns1__CreateUserRequestType, ns1__CreateUserResponseType> CreateUser;
    Method<ns1__GetUserRequestType, ns1__GetUserResponseType> GetUser;
    Method<ns1__GetUsersRequestType, ns1__GetUsersResponseType> GetUsers;
    Method<ns1__UpdateUserRequestType, ns1__UpdateUserResponseType> UpdateUser;
    Method<ns1__BlockUserRequestType, ns1__BlockUserResponseType> BlockUser;
    Method<ns1__UnblockUserRequestType, ns1__UnblockUserResponseType> UnblockUser;
    Method<ns1__DeleteUserRequestType, ns1__DeleteUserResponseType> DeleteUser;
};
const Binding soap11_binding = {
    &UsergateBindingProxy::SessionLogin, &UsergateBindingProxy::SessionLogout, &UsergateBindingProxy::CreateUser,
    &UsergateBindingProxy::GetUser, &UsergateBindingProxy::GetUsers, &UsergateBindingProxy::UpdateUser,
    &UsergateBindingProxy::BlockUser, &UsergateBindingProxy::UnblockUser, &UsergateBindingProxy::DeleteUser};
const Binding soap12_binding = {
    &UsergateBindingProxy::SessionLogin_, &UsergateBindingProxy::SessionLogout_, &UsergateBindingProxy::CreateUser_,
    &UsergateBindingProxy::GetUser_, &UsergateBindingProxy::GetUsers_, &UsergateBindingProxy::UpdateUser_,
    &UsergateBindingProxy::BlockUser_, &UsergateBindingProxy::UnblockUser_, &UsergateBindingProxy::DeleteUser_};

const char *const USER_PASSWORD = "matrix-user-pw-1";
const char *const PHONE = "+1 555 010 0100";

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void check(bool ok, const std::string &failure) {
    if (!ok) throw Failure(failure);
}

template <typename T>
void equal(const std::string &what, const T &want, const T &got) {
    if (!(want == got)) throw Failure(what + ": expected " + std::to_string(want) + ", got " + std::to_string(got));
}

void equal(const std::string &what, const std::string &want, const std::string &got) {
    check(want == got, what + ": expected '" + want + "', got '" + got + "'");
}

void expect_success(const std::string &what, const std::string &status, const std::vector<ns1__messages *> &msgs) {
    equal(what + ": status", std::string("success"), status);
    check(!msgs.empty() && msgs[0]->lvl == "INFO", what + ": expected an INFO message");
}

void expect_error(const std::string &what, const std::vector<ns1__messages *> &msgs, const std::string &err_cd,
                  const std::string &info_prefix) {
    check(!msgs.empty(), what + ": no msgs");
    const ns1__messages *msg = msgs[0];
    equal(what + ": lvl", std::string("ERROR"), msg->lvl);
    check(msg->err_USCOREcd != NULL, what + ": no err_cd");
    equal(what + ": err_cd", err_cd, *msg->err_USCOREcd);
    check(msg->info != NULL && msg->info->rfind(info_prefix, 0) == 0,
          what + ": info " + (msg->info ? *msg->info : std::string("(none)")));
}

class Scenario {
  public:
    Scenario(UsergateBindingProxy &proxy, const Binding &binding, const char *endpoint, std::string prefix)
        : p_(proxy), b_(binding), endpoint_(endpoint), prefix_(std::move(prefix)) {}

    void run(const std::string &customer, const std::string &owner, const std::string &owner_password) {
        ns1__SessionLoginRequestType login;
        login.customer_USCOREname = customer;
        login.user_USCOREname = owner;
        login.password = owner_password;
        ns1__SessionLoginResponseType session;
        call("SessionLogin", (p_.*b_.SessionLogin)(endpoint_, NULL, &login, session));
        expect_success("SessionLogin", session.status, session.msgs);
        check(session.data != NULL && !session.data->token.empty(), "SessionLogin: no token");
        std::string token = session.data->token;

        std::string name = prefix_ + "u1";
        std::string phone = PHONE;
        ns1__CreateUserRequestType create;
        create.token = token;
        create.user_USCOREname = name;
        create.password = USER_PASSWORD;
        create.group_USCOREname.push_back("DEFAULT");
        create.nickname = "Gsoap";
        create.first_USCOREname = "G";
        create.last_USCOREname = "Soap";
        create.email = name + "@example.org";
        create.organization = "Matrix Org";
        create.phone = &phone;
        ns1__CreateUserResponseType created;
        call("CreateUser", (p_.*b_.CreateUser)(endpoint_, NULL, &create, created));
        expect_success("CreateUser", created.status, created.msgs);
        check(created.data != NULL, "CreateUser: no data");
        equal("CreateUser: user_name", name, created.data->user_USCOREname);
        equal("CreateUser: status", std::string("active"), created.data->status);
        equal("CreateUser: version", (LONG64)1, created.data->version);
        check(created.data->created_USCOREat > 0, "CreateUser: created_at not read");
        const LONG64 user_id = created.data->user_USCOREid;

        ns1__GetUserRequestType get;
        get.token = token;
        // Optional since GetUser also takes user_id or uid: gSOAP makes it a pointer.
        get.user_USCOREname = &name;
        ns1__GetUserResponseType got;
        call("GetUser", (p_.*b_.GetUser)(endpoint_, NULL, &get, got));
        expect_success("GetUser", got.status, got.msgs);
        check(got.data != NULL, "GetUser: no data");
        equal("GetUser: user_id", user_id, got.data->user_USCOREid);
        equal("GetUser: email", name + "@example.org", got.data->email);
        check(got.data->phone != NULL, "GetUser: phone missing");
        equal("GetUser: phone", std::string(PHONE), *got.data->phone);
        check(got.data->group_USCOREname == std::vector<std::string>{"DEFAULT"}, "GetUser: group_name");
        check(got.data->city == NULL, "GetUser: city should be absent");

        ns1__GetUsersRequestType list;
        list.token = token;
        list.search = &prefix_;
        ns1__GetUsersResponseType listed;
        call("GetUsers", (p_.*b_.GetUsers)(endpoint_, NULL, &list, listed));
        expect_success("GetUsers", listed.status, listed.msgs);
        check(listed.data.size() == 1 && listed.data[0]->user_USCOREname == name,
              "GetUsers(search=" + prefix_ + "): expected only " + name);

        std::string city = "Paris", empty;
        ns1__UpdateUserRequestType update;
        update.token = token;
        update.user_USCOREname = name;
        update.city = &city;
        update.phone = &empty;  // an empty element clears the field
        ns1__UpdateUserResponseType updated;
        call("UpdateUser", (p_.*b_.UpdateUser)(endpoint_, NULL, &update, updated));
        expect_success("UpdateUser", updated.status, updated.msgs);
        check(updated.data != NULL && updated.data->city != NULL, "UpdateUser: city missing");
        equal("UpdateUser: city", city, *updated.data->city);
        check(updated.data->phone == NULL, "UpdateUser: phone should be cleared");
        equal("UpdateUser: version", (LONG64)2, updated.data->version);

        ns1__BlockUserRequestType block;
        block.token = token;
        block.user_USCOREname = name;
        ns1__BlockUserResponseType blocked;
        call("BlockUser", (p_.*b_.BlockUser)(endpoint_, NULL, &block, blocked));
        expect_success("BlockUser", blocked.status, blocked.msgs);
        check(blocked.data != NULL, "BlockUser: no data");
        equal("BlockUser: status", std::string("blocked"), blocked.data->status);

        ns1__UnblockUserRequestType unblock;
        unblock.token = token;
        unblock.user_USCOREname = name;
        ns1__UnblockUserResponseType unblocked;
        call("UnblockUser", (p_.*b_.UnblockUser)(endpoint_, NULL, &unblock, unblocked));
        expect_success("UnblockUser", unblocked.status, unblocked.msgs);
        check(unblocked.data != NULL, "UnblockUser: no data");
        equal("UnblockUser: status", std::string("active"), unblocked.data->status);

        ns1__DeleteUserRequestType del;
        del.token = token;
        del.user_USCOREname = name;
        ns1__DeleteUserResponseType deleted;
        call("DeleteUser", (p_.*b_.DeleteUser)(endpoint_, NULL, &del, deleted));
        expect_success("DeleteUser", deleted.status, deleted.msgs);

        // Failure 1: the deleted user is NOT_FOUND. The proxy returns SOAP_FAULT and keeps the fault, its detail
        // deserialized into the WSDL's ErrorResponse.
        ns1__GetUserResponseType refused;
        int rc = (p_.*b_.GetUser)(endpoint_, NULL, &get, refused);
        check(rc == SOAP_FAULT, "GetUser of a deleted user: expected SOAP_FAULT, got " + std::to_string(rc));
        const char *code = *soap_faultcode(p_.soap);
        const char *reason = *soap_faultstring(p_.soap);
        check(code != NULL && std::strstr(code, p_.soap->version == 2 ? "Sender" : "Client") != NULL,
              std::string("fault: faultcode ") + (code ? code : "(none)"));
        const SOAP_ENV__Detail *detail = p_.soap_fault() == NULL ? NULL
                                         : p_.soap->version == 2 ? p_.soap_fault()->SOAP_ENV__Detail
                                                                 : p_.soap_fault()->detail;
        check(detail != NULL && detail->ns1__ErrorResponse != NULL, "fault: no ErrorResponse in the detail");
        const ns1__ErrorResponseType *error = detail->ns1__ErrorResponse;
        equal("fault: status", std::string("failure"), error->status);
        check(error->job_USCOREid != NULL, "fault: job_id missing");
        expect_error("fault", error->msgs, "NOT_FOUND", "user_name: ");
        check(reason != NULL && *error->msgs[0]->info == reason,
              std::string("fault: faultstring ") + (reason ? reason : "(none)"));
        equal("fault: HTTP status", p_.soap->version == 2 ? 400 : 500, p_.soap->status);

        // Failure 2: the same call with fault_incompat=1 is a normal response with status=failure.
        int incompat = 1;
        get.fault_USCOREincompat = &incompat;
        ns1__GetUserResponseType missing;
        call("GetUser(fault_incompat=1)", (p_.*b_.GetUser)(endpoint_, NULL, &get, missing));
        equal("fault_incompat=1: status", std::string("failure"), missing.status);
        expect_error("fault_incompat=1", missing.msgs, "NOT_FOUND", "user_name: ");
        check(missing.data == NULL, "fault_incompat=1: unexpected data");
        equal("fault_incompat=1: HTTP status", 200, p_.soap->status);

        ns1__SessionLogoutRequestType logout;
        logout.token = token;
        ns1__SessionLogoutResponseType logged_out;
        call("SessionLogout", (p_.*b_.SessionLogout)(endpoint_, NULL, &logout, logged_out));
        expect_success("SessionLogout", logged_out.status, logged_out.msgs);
    }

  private:
    void call(const std::string &what, int rc) {
        if (rc == SOAP_OK) return;
        const char *reason = *soap_faultstring(p_.soap);
        throw Failure(what + ": gSOAP error " + std::to_string(rc) + " " + (reason ? reason : ""));
    }

    UsergateBindingProxy &p_;
    const Binding &b_;
    const char *endpoint_;
    std::string prefix_;
};

}  // namespace

int main(int argc, char **argv) {
    if (argc != 7 || (std::strcmp(argv[1], "soap11") != 0 && std::strcmp(argv[1], "soap12") != 0)) {
        std::fprintf(stderr, "usage: %s soap11|soap12 ENDPOINT PREFIX CUSTOMER USER PASSWORD\n", argv[0]);
        return 2;
    }
    const bool soap12 = std::strcmp(argv[1], "soap12") == 0;
    // SOAP_XML_STRICT: gSOAP refuses a reply that breaks the schema (unknown or missing elements, bad values).
    UsergateBindingProxy proxy(SOAP_C_UTFSTRING | SOAP_XML_STRICT);
    soap_set_namespaces(proxy.soap, soap12 ? ns_soap12 : ns_soap11);
    proxy.soap->send_timeout = proxy.soap->recv_timeout = 30;
    proxy.soap->connect_timeout = 10;
    int rc = 0;
    try {
        Scenario(proxy, soap12 ? soap12_binding : soap11_binding, argv[2], argv[3]).run(argv[4], argv[5], argv[6]);
    } catch (const Failure &e) {
        std::fprintf(stderr, "gsoap %s: %s\n", argv[1], e.what());
        rc = 1;
    }
    proxy.destroy();
    return rc;
}
