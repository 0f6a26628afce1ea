# Ubuntu built with debootstrap (sourced before every phase).
export DISTRO_NAME=ubuntu
export DIB_RELEASE=${DIB_RELEASE:-noble}
export DIB_INIT_SYSTEM=systemd
export EFI_BOOT_DIR=EFI/ubuntu

if [ -n "${DIB_UBUNTU_DISTRIBUTION_MIRROR:-}" ]; then
    DIB_DISTRIBUTION_MIRROR=${DIB_UBUNTU_DISTRIBUTION_MIRROR}
fi
case "${ARCH:-amd64}" in
    amd64 | i386)
        export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-http://archive.ubuntu.com/ubuntu}
        ;;
    *)
        export DIB_DISTRIBUTION_MIRROR=${DIB_DISTRIBUTION_MIRROR:-http://ports.ubuntu.com/ubuntu-ports}
        ;;
esac
export DIB_DEBIAN_COMPONENTS=${DIB_DEBIAN_COMPONENTS:-main,universe}
export DIB_UBUNTU_MIRROR_DISTS=${DIB_UBUNTU_MIRROR_DISTS:-updates,security,backports}
export DIB_UBUNTU_KERNEL=${DIB_UBUNTU_KERNEL:-linux-image-generic}
export DIB_DEBOOTSTRAP_BASE_PACKAGES=${DIB_DEBOOTSTRAP_BASE_PACKAGES:-systemd-sysv busybox sudo python3}

_kiln_components=${DIB_DEBIAN_COMPONENTS//,/ }
_kiln_sources="default:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE} ${_kiln_components}"
for _kiln_dist in ${DIB_UBUNTU_MIRROR_DISTS//,/ }; do
    _kiln_sources+="
${_kiln_dist}:deb ${DIB_DISTRIBUTION_MIRROR} ${DIB_RELEASE}-${_kiln_dist} ${_kiln_components}"
done
export DIB_APT_SOURCES_CONF=${DIB_APT_SOURCES_CONF:-${_kiln_sources}}
unset _kiln_components _kiln_sources _kiln_dist
