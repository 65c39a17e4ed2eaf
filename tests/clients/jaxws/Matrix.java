// tests/clients/jaxws/Matrix.java: owns the JAX-WS RI row of the client matrix (the scenario, via wsimport's classes).
package usergate.matrix;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.namespace.QName;
import javax.xml.ws.BindingProvider;
import javax.xml.ws.handler.MessageContext;
import com.sun.xml.ws.developer.SchemaValidationFeature;
import usergate.ws.*;

/**
 * The client-matrix scenario through the classes wsimport generated from wsdl/usergate.wsdl: login, create, get,
 * list, update, block, unblock, delete, then two failures (GetUser of the deleted user: a SOAP Fault read as the
 * generated ErrorResponse exception and its ErrorResponseType, and the same call with fault_incompat=1 answered
 * status=failure, read from the typed response), then logout.
 *
 * Usage: Matrix soap11|soap12 WSDL_FILE PORT_NAME ENDPOINT PREFIX CUSTOMER USER PASSWORD
 * PORT_NAME is the WSDL port of that binding; every user it creates starts with PREFIX.
 * Exit status 0 when every step passed; the first failed step is printed on stderr.
 */
public final class Matrix {
    private static final String NS = "urn:usergate:1";
    private static final String USER_PASSWORD = "matrix-user-pw-1";

    private final UsergatePortType port;
    private final boolean soap12;
    private final String prefix;
    private final ObjectFactory factory = new ObjectFactory();

    private Matrix(UsergatePortType port, boolean soap12, String prefix) {
        this.port = port;
        this.soap12 = soap12;
        this.prefix = prefix;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 8 || !(args[0].equals("soap11") || args[0].equals("soap12"))) {
            System.err.println("usage: Matrix soap11|soap12 WSDL_FILE PORT ENDPOINT PREFIX CUSTOMER USER PASSWORD");
            System.exit(2);
        }
        try {
            UsergateService service = new UsergateService(new File(args[1]).toURI().toURL());
            // SchemaValidationFeature: the RI validates every request and reply against the WSDL's schema.
            UsergatePortType port =
                    service.getPort(new QName(NS, args[2]), UsergatePortType.class, new SchemaValidationFeature());
            ((BindingProvider) port).getRequestContext().put(BindingProvider.ENDPOINT_ADDRESS_PROPERTY, args[3]);
            new Matrix(port, args[0].equals("soap12"), args[4]).run(args[5], args[6], args[7]);
        } catch (AssertionError | ErrorResponse | RuntimeException e) {
            System.err.println("jaxws " + args[0] + ": " + describe(e));
            System.exit(1);
        }
    }

    private void run(String customer, String owner, String ownerPassword) throws ErrorResponse {
        SessionLoginRequestType login = new SessionLoginRequestType();
        login.setCustomerName(customer);
        login.setUserName(owner);
        login.setPassword(ownerPassword);
        SessionLoginResponseType session = port.sessionLogin(login);
        expectSuccess("SessionLogin", session.getStatus(), session.getMsgs());
        String token = session.getData().getToken();
        check(token != null && !token.isEmpty(), "SessionLogin: empty token");

        String name = prefix + "u1";
        CreateUserRequestType create = new CreateUserRequestType();
        create.setToken(token);
        create.setUserName(name);
        create.setPassword(USER_PASSWORD);
        create.getGroupName().add("DEFAULT");
        create.setNickname("JaxWs");
        create.setFirstName("Jax");
        create.setLastName("Ws");
        create.setEmail(name + "@example.org");
        create.setOrganization("Matrix Org");
        create.setPhone("+1 555 010 0100");
        CreateUserResponseType created = port.createUser(create);
        expectSuccess("CreateUser", created.getStatus(), created.getMsgs());
        UserData user = created.getData();
        equal("CreateUser: user_name", name, user.getUserName());
        equal("CreateUser: status", "active", user.getStatus());
        equal("CreateUser: version", 1L, user.getVersion());
        check(user.getCreatedAt() != null, "CreateUser: created_at missing");

        GetUserRequestType get = new GetUserRequestType();
        get.setToken(token);
        get.setUserName(name);
        GetUserResponseType got = port.getUser(get);
        expectSuccess("GetUser", got.getStatus(), got.getMsgs());
        equal("GetUser: user_id", user.getUserId(), got.getData().getUserId());
        equal("GetUser: email", name + "@example.org", got.getData().getEmail());
        equal("GetUser: phone", "+1 555 010 0100", got.getData().getPhone());
        equal("GetUser: group_name", List.of("DEFAULT"), got.getData().getGroupName());
        check(got.getData().getCity() == null, "GetUser: city should be absent");

        GetUsersRequestType list = new GetUsersRequestType();
        list.setToken(token);
        list.setSearch(prefix);
        GetUsersResponseType listed = port.getUsers(list);
        expectSuccess("GetUsers", listed.getStatus(), listed.getMsgs());
        List<String> names = new ArrayList<>();
        for (UserData u : listed.getData()) {
            names.add(u.getUserName());
        }
        equal("GetUsers(search=" + prefix + ")", List.of(name), names);

        UpdateUserRequestType update = new UpdateUserRequestType();
        update.setToken(token);
        update.setUserName(name);
        update.setCity(factory.createUpdateUserRequestTypeCity("Paris"));
        update.setPhone(factory.createUpdateUserRequestTypePhone(null)); // xsi:nil clears it
        UpdateUserResponseType updated = port.updateUser(update);
        expectSuccess("UpdateUser", updated.getStatus(), updated.getMsgs());
        equal("UpdateUser: city", "Paris", updated.getData().getCity());
        check(updated.getData().getPhone() == null, "UpdateUser: phone should be cleared");
        equal("UpdateUser: version", 2L, updated.getData().getVersion());

        BlockUserRequestType block = new BlockUserRequestType();
        block.setToken(token);
        block.setUserName(name);
        BlockUserResponseType blocked = port.blockUser(block);
        expectSuccess("BlockUser", blocked.getStatus(), blocked.getMsgs());
        equal("BlockUser: status", "blocked", blocked.getData().getStatus());

        UnblockUserRequestType unblock = new UnblockUserRequestType();
        unblock.setToken(token);
        unblock.setUserName(name);
        UnblockUserResponseType unblocked = port.unblockUser(unblock);
        expectSuccess("UnblockUser", unblocked.getStatus(), unblocked.getMsgs());
        equal("UnblockUser: status", "active", unblocked.getData().getStatus());

        DeleteUserRequestType delete = new DeleteUserRequestType();
        delete.setToken(token);
        delete.setUserName(name);
        DeleteUserResponseType deleted = port.deleteUser(delete);
        expectSuccess("DeleteUser", deleted.getStatus(), deleted.getMsgs());

        // Failure 1: the deleted user is NOT_FOUND, a SOAP Fault read as the WSDL's declared fault.
        try {
            GetUserResponseType answer = port.getUser(get);
            throw new AssertionError("GetUser of a deleted user: expected a fault, got status " + answer.getStatus());
        } catch (ErrorResponse fault) {
            ErrorResponseType info = fault.getFaultInfo();
            check(info != null, "fault: no ErrorResponse detail");
            equal("fault: status", "failure", info.getStatus());
            check(info.getJobId() != null, "fault: job_id missing");
            expectError("fault", info.getMsgs(), "NOT_FOUND", "user_name: ");
            equal("fault: faultstring", info.getMsgs().get(0).getInfo(), fault.getMessage());
            equal("fault: HTTP status", soap12 ? 400 : 500, httpStatus());
        }

        // Failure 2: the same call with fault_incompat=1 is a normal response with status=failure.
        get.setFaultIncompat(1);
        GetUserResponseType missing = port.getUser(get);
        equal("fault_incompat=1: status", "failure", missing.getStatus());
        expectError("fault_incompat=1", missing.getMsgs(), "NOT_FOUND", "user_name: ");
        check(missing.getData() == null, "fault_incompat=1: unexpected data");
        equal("fault_incompat=1: HTTP status", 200, httpStatus());

        SessionLogoutRequestType logout = new SessionLogoutRequestType();
        logout.setToken(token);
        SessionLogoutResponseType loggedOut = port.sessionLogout(logout);
        expectSuccess("SessionLogout", loggedOut.getStatus(), loggedOut.getMsgs());
    }

    private int httpStatus() {
        Map<String, Object> ctx = ((BindingProvider) port).getResponseContext();
        Object code = ctx == null ? null : ctx.get(MessageContext.HTTP_RESPONSE_CODE);
        return code instanceof Integer ? (Integer) code : -1;
    }

    private static void expectSuccess(String what, String status, List<Messages> msgs) {
        equal(what + ": status", "success", status);
        check(!msgs.isEmpty() && "INFO".equals(msgs.get(0).getLvl()), what + ": expected an INFO message");
    }

    private static void expectError(String what, List<Messages> msgs, String errCd, String infoPrefix) {
        check(!msgs.isEmpty(), what + ": no msgs");
        Messages msg = msgs.get(0);
        equal(what + ": lvl", "ERROR", msg.getLvl());
        equal(what + ": err_cd", errCd, msg.getErrCd());
        check(msg.getInfo() != null && msg.getInfo().startsWith(infoPrefix), what + ": info " + msg.getInfo());
    }

    private static void equal(String what, Object want, Object got) {
        check(want.equals(got), what + ": expected " + want + ", got " + got);
    }

    private static void check(boolean ok, String failure) {
        if (!ok) {
            throw new AssertionError(failure);
        }
    }

    private static String describe(Throwable e) {
        if (e instanceof ErrorResponse) {
            ErrorResponseType info = ((ErrorResponse) e).getFaultInfo();
            Messages msg = info == null || info.getMsgs().isEmpty() ? null : info.getMsgs().get(0);
            return "unexpected SOAP fault " + e.getMessage() + (msg == null ? "" : " [" + msg.getErrCd() + "]");
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
