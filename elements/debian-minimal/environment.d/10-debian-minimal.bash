# Debian built with debootstrap (sourced before every phase).
export DISTRO_NAME=debian
# Kiln pins a named release; DIB defaults to the moving "stable".
export DIB_RELEASE=${DIB_RELEASE:-bookworm}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/debian

if [ -n "${DIB_DEBIAN_DISTRIBUTION_MIRROR:-}" ]; then
    DIB_DISTRIBUTION_MIRROR=${DIB_DEBIAN_DISTRIBUTION_MIRROR}
fi
# Kiln's pipeline passes the build host's own mirror; this is only the
# public fallback.
export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-http://deb.debian.org/debian}
export DIB_DEBIAN_SECURITY_MIRROR=${DIB_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export DIB_DEBIAN_SECURITY_SUBPATH=${DIB_DEBIAN_SECURITY_SUBPATH:--security}
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main}
export DIB_DEBOOTSTRAP_BASE_PACKAGES=${DIB_DEBOOTSTRAP_BASE_PACKAGES:-systemd-sysv busybox sudo gnupg python3}

_kiln_components=${DIB_DEBIAN_COMPONENTS//,/ }
case "${DIB_RELEASE}" in
    testing | unstable | sid)
        # No updates, backports or security suites for these.
        _kiln_sources="default:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE} ${_kiln_components}"
        ;;
    *)
        _kiln_sources="default:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE} ${_kiln_components}
updates:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE}-updates ${_kiln_components}
backports:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE}-backports ${_kiln_components}
security:deb ${DIB_DEBIAN_SECURITY_MIRROR} ${DIB_RELEASE}${DIB_DEBIAN_SECURITY_SUBPATH} ${_kiln_components}"
        ;;
esac
export DIB_APT_SOURCES_CONF=${DIB_APT_SOURCES_CONF:-${_kiln_sources}}
unset _kiln_components _kiln_sources
