# Python used by in-image tools (pkg-map, apply-package-installs, elements).
# Every supported Debian-family release ships only Python 3.
export DIB_PYTHON_VERSION=${DIB_PYTHON_VERSION:-3}
export DIB_PYTHON=python${DIB_PYTHON_VERSION}
