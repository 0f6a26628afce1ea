# Defaults for the dpkg element (sourced before every phase).
export DIB_ADD_APT_KEYS=${DIB_ADD_APT_KEYS:-}
export DIB_APT_LOCAL_CACHE=${DIB_APT_LOCAL_CACHE:-1}
export DIB_DISABLE_APT_CLEANUP=${DIB_DISABLE_APT_CLEANUP:-0}
