# Validates DIB_INIT_SYSTEM, which the OS element sets. When it is unset and
# the root tree already exists, the init system is read from the tree.
# Sourced before every phase; "exit 1" here stops the phase.

if [ -z "${DIB_INIT_SYSTEM:-}" ]; then
    # In the chroot the tree is "/"; on the host it is TMP_MOUNT_PATH.
    if [ -d "${TMP_MOUNT_PATH:-/nonexistent}/etc" ]; then
        _kiln_root="${TMP_MOUNT_PATH}"
    elif [ -d /tmp/in_target.d ]; then
        _kiln_root=""
    else
        _kiln_root="/nonexistent"
    fi
    if [ -x "${_kiln_root}/lib/systemd/systemd" ] || [ -x "${_kiln_root}/usr/lib/systemd/systemd" ]; then
        export DIB_INIT_SYSTEM=systemd
    elif [ -x "${_kiln_root}/sbin/openrc" ] || [ -x "${_kiln_root}/usr/sbin/openrc" ]; then
        export DIB_INIT_SYSTEM=openrc
    elif [ -d "${_kiln_root}/etc/init" ] && [ -e "${_kiln_root}/sbin/initctl" ]; then
        export DIB_INIT_SYSTEM=upstart
    elif [ -f "${_kiln_root}/etc/inittab" ]; then
        export DIB_INIT_SYSTEM=sysv
    fi
    unset _kiln_root
fi

if [ -z "${DIB_INIT_SYSTEM:-}" ]; then
    echo "DIB_INIT_SYSTEM is not set and no init system was found in the image;" \
        "the operating-system element must set it (systemd, upstart, openrc or sysv)" >&2
    exit 1
fi
case "${DIB_INIT_SYSTEM}" in
    systemd | upstart | openrc | sysv) ;;
    *)
        echo "DIB_INIT_SYSTEM=${DIB_INIT_SYSTEM} is not one of: systemd upstart openrc sysv" >&2
        exit 1
        ;;
esac
