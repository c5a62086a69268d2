# Sourced by .ci/run and the .ci/*.sh service scripts: `ci_install COMMAND PACKAGE` installs
# Debian's PACKAGE when COMMAND is missing (`apt-get update` at most once per run), and
# `ci_on_exit COMMAND` runs COMMAND when .ci/run exits, the last registered first.
#
ci_install() {
    local command=$1 package=$2
    if command -v "$command" >/dev/null 2>&1; then
        return 0
    fi
    ci_apt_install "$package"
}

# `ci_apt_install PACKAGE`: installs it, whatever is on the PATH.
ci_apt_install() {
    if [ -z "${CI_APT_UPDATED:-}" ]; then
        apt-get update -qq
        CI_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

CI_EXIT_COMMANDS=()
ci_on_exit() {
    CI_EXIT_COMMANDS=("$1" "${CI_EXIT_COMMANDS[@]}")
}
ci_run_exit_commands() {
    local command
    for command in "${CI_EXIT_COMMANDS[@]}"; do
        eval "$command" || true
    done
}
trap ci_run_exit_commands EXIT
