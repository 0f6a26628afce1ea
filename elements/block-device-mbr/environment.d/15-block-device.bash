# Tells the bootloader element which disk layout it is installing onto.
if [[ "${ARCH:-}" == "arm64" || "${ARCH:-}" == "aarch64" ]]; then
    echo "block-device-mbr cannot boot ${ARCH}; use block-device-efi" >&2
    exit 1
fi
export DIB_BLOCK_DEVICE=mbr
