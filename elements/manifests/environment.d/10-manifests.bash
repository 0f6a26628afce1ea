# Where build manifests are written in the image, and where they are copied
# on the host at the end of the build (sourced before every phase).
export DIB_MANIFEST_IMAGE_DIR=${DIB_MANIFEST_IMAGE_DIR:-/etc/dib-manifests}
export DIB_MANIFEST_SAVE_DIR=${DIB_MANIFEST_SAVE_DIR:-${IMAGE_NAME:-image}.d/}
