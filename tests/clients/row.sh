# tests/clients/row.sh: owns the shell helpers shared by the matrix rows' run.sh (sourced, never run alone).
# A row's run.sh sources this, calls `row_init NAME`, builds what it needs, then `cell soap11 CMD...` per binding;
# `row_exit` ends it with the status matrix.py expects. Environment: see tests/clients/matrix.py.

row_init() {
    ROW_NAME="$1"
    ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    CLIENT_OUT="${CLIENT_OUT:-$ROOT/target/clients/$ROW_NAME}"
    WSDL_FILE="${USERGATE_WSDL_FILE:-$ROOT/wsdl/usergate.wsdl}"
    ROW_FAILED=0
    mkdir -p "$CLIENT_OUT"
    local var
    for var in USERGATE_SOAP11_URL USERGATE_SOAP12_URL USERGATE_CUSTOMER USERGATE_USER USERGATE_PASSWORD; do
        if [ -z "${!var:-}" ]; then
            echo "$ROW_NAME: $var is not set; run this row through tests/clients/run_all.sh $ROW_NAME" >&2
            exit 2
        fi
    done
}

# fail_all WHY: the row cannot run at all (missing tool, failed build): one FAIL per binding, then exit.
fail_all() {
    echo "FAIL soap11: $1"
    echo "FAIL soap12: $1"
    exit 1
}

# cell BINDING CMD...: runs one binding's scenario; its output goes to the log, then one PASS/FAIL line.
cell() {
    local binding="$1" log="$CLIENT_OUT/$1.log" started=$SECONDS
    shift
    if "$@" > "$log" 2>&1; then
        echo "PASS $binding ($((SECONDS - started)) s)"
    else
        cat "$log"
        # The last line that is not blank nor a stack frame says why.
        echo "FAIL $binding: $(grep -Ev '^\s*$|^\s+at |^\s*\.\.\. [0-9]+ more' "$log" | tail -n 1 | cut -c1-300)"
        ROW_FAILED=1
    fi
}

row_exit() {
    exit "$ROW_FAILED"
}

# stamp_ok DIR FILE...: true when DIR was built from exactly these inputs (sha256 of them in DIR/.inputs).
stamp_ok() {
    local dir="$1"
    shift
    [ -f "$dir/.inputs" ] && [ "$(cat "$dir/.inputs")" = "$(cat "$@" | sha256sum)" ]
}

stamp_write() {
    local dir="$1"
    shift
    cat "$@" | sha256sum > "$dir/.inputs"
}
