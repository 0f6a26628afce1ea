/**
 * The boot tests, in one file so they run one after another: each builds real
 * Debian images (sharing the debootstrap and apt caches) and boots them under
 * qemu, which takes a core; other test files run beside them.
 */
import "./debian-vm.boot.ts";
import "./upstream-vm.boot.ts";
