# Tells the bootloader element which disk layout it is installing onto.
case "${ARCH:-}" in
    ppc64 | ppc64le | ppc64el)
        echo "block-device-efi cannot boot ${ARCH}; use block-device-gpt or block-device-mbr" >&2
        exit 1
        ;;
esac
export DIB_BLOCK_DEVICE=efi
