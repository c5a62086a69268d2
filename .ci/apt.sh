# Sourced by .ci/run and the .ci/*.sh service scripts: `ci_install COMMAND PACKAGE` installs
# Debian's PACKAGE when COMMAND is missing, running `apt-get update` at most once per CI run.
ci_install() {
    local command=$1 package=$2
    if command -v "$command" >/dev/null 2>&1; then
        return 0
    fi
    if [ -z "${CI_APT_UPDATED:-}" ]; then
        apt-get update -qq
        CI_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}
