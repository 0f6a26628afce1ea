/**
 * Test support: ask the installed DIB (Debian's python3-diskimage-builder,
 * run with /usr/bin/python3) what it does with a config, without devices.
 * Graph requests return DIB's converted config, call order and mount list,
 * plus the fstab text and mkfs argv from running the mkfs/mount/fstab nodes'
 * `create()` with `exec_sudo` replaced by a recorder (UUIDs are made
 * deterministic: the n-th is `UUID(int=n)`). MBR requests run DIB's MBR
 * writer on a sparse temp file and return every non-zero sector. GPT
 * requests run `Partitioning._create_gpt` and return the sgdisk argv.
 */
import { spawnSync } from "node:child_process";

import { DIB_PYTHON } from "./host-capabilities.ts";

export { DIB_PYTHON, DIB_ROOT } from "./host-capabilities.ts";

export interface DibGraphRequest {
  mode: "graph";
  /** Path of the YAML config file. */
  config: string;
  /** DIB params (dashed keys as in params.yaml). */
  params: Record<string, unknown>;
}
export interface DibGraphResult {
  error?: string;
  graph?: Record<string, unknown>[];
  call_order?: string[];
  sorted_mount_points?: [string, string][];
  fstab?: string;
  mkfs?: string[][];
  fstab_error?: string;
}
export interface DibMbrRequest {
  mode: "mbr";
  size: number;
  align: number;
  diskId: number;
  partitions: { primary: boolean; boot: boolean; size: string; type: number }[];
}
export interface DibMbrResult {
  error?: string;
  numbers?: number[];
  /** Non-zero 512-byte sectors: LBA → hex. */
  sectors?: Record<string, string>;
}

const SCRIPT = String.raw`
import json, logging, os, shutil, sys, tempfile, uuid
logging.disable(logging.CRITICAL)
import yaml
from diskimage_builder.block_device.config import config_tree_to_graph, create_graph
from diskimage_builder.block_device.blockdevice import BlockDevice
import diskimage_builder.block_device.blockdevice as bd_mod
import diskimage_builder.block_device.level2.mkfs as mkfs_mod
import diskimage_builder.block_device.level3.mount as mount_mod
from diskimage_builder.block_device.level2.mkfs import FilesystemNode
from diskimage_builder.block_device.level3.mount import MountPointNode
from diskimage_builder.block_device.level4.fstab import FstabNode
from diskimage_builder.block_device.level1.mbr import MBR
from diskimage_builder.block_device.utils import parse_rel_size_spec
import diskimage_builder.block_device.level1.mbr as mbr_mod

def err(e):
    return '%s: %s' % (type(e).__name__, e)

def graph(req, tmp):
    out = {}
    try:
        cfg = yaml.safe_load(open(req['config']))
        g = config_tree_to_graph(cfg)
        holder = type('H', (), {})()
        holder.config, holder.params = g, req['params']
        BlockDevice._merge_rootfs_params(holder)
        out['graph'] = g
        counter = [0]
        def fake_uuid4():
            counter[0] += 1
            return uuid.UUID(int=counter[0])
        mkfs_mod.uuid.uuid4 = fake_uuid4
        state = {}
        dg, order = create_graph(g, req['params'], state)
        out['call_order'] = [n.name for n in order]
        out['sorted_mount_points'] = state.get('sorted_mount_points', [])
    except Exception as e:
        out['error'] = err(e)
        return out
    try:
        calls = []
        def fake(cmd):
            calls.append(cmd)
            return ''
        mkfs_mod.exec_sudo = fake
        mount_mod.exec_sudo = fake
        bd_mod.exec_sudo = fake
        state['blockdev'] = {n.name: {'device': '/dev/fake/' + n.name} for n in order}
        for n in order:
            if isinstance(n, (FilesystemNode, MountPointNode, FstabNode)):
                n.create()
        out['mkfs'] = [c for c in calls if c and c[0] in ('mkfs', 'mkswap')]
        params = dict(req['params'])
        params['build-dir'] = tmp
        bd = BlockDevice(params)
        with open(bd.state_json_file_name, 'w') as fd:
            json.dump(state, fd)
        bd.cmd_writefstab()
        out['fstab'] = open(os.path.join(bd.state_dir, 'fstab')).read()
    except Exception as e:
        out['fstab_error'] = err(e)
    return out

def mbr(req, tmp):
    path = os.path.join(tmp, 'disk.raw')
    with open(path, 'wb') as fd:
        fd.truncate(req['size'])
    mbr_mod.random.randint = lambda a, b: req['diskId']
    numbers = []
    try:
        with MBR(path, req['size'], req['align']) as m:
            for p in req['partitions']:
                size = parse_rel_size_spec(p['size'], m.free())[1]
                numbers.append(m.add_partition(p['primary'], p['boot'], size, p['type']))
    except Exception as e:
        return {'error': err(e)}
    sectors = {}
    with open(path, 'rb') as fd:
        fileno = fd.fileno()
        pos = 0
        while pos < req['size']:
            try:
                start = os.lseek(fileno, pos, os.SEEK_DATA)
            except OSError:
                break
            end = os.lseek(fileno, start, os.SEEK_HOLE)
            fd.seek(start - start % 512)
            lba = (start - start % 512) // 512
            while lba * 512 < end:
                data = fd.read(512)
                if data.strip(b'\0'):
                    sectors[str(lba)] = data.hex()
                lba += 1
            pos = end
    return {'numbers': numbers, 'sectors': sectors}

def gpt(req, tmp):
    import diskimage_builder.block_device.level1.partitioning as part_mod
    calls = []
    part_mod.exec_sudo = lambda cmd: calls.append(cmd) or ''
    try:
        p = part_mod.Partitioning(req['config'], {}, {'blockdev': {}})
        p.image_path, p.device_path, p.disk_size = req['target'], '/dev/loop9', req['size']
        p._create_gpt()
    except Exception as e:
        return {'error': err(e)}
    return {'sgdisk': calls[0]}

MODES = {'graph': graph, 'mbr': mbr, 'gpt': gpt}
results = []
for req in json.load(sys.stdin):
    tmp = tempfile.mkdtemp(prefix='kiln-dib-oracle-')
    results.append(MODES[req['mode']](req, tmp))
    shutil.rmtree(tmp, ignore_errors=True)
print(json.dumps(results))
`;

export interface DibGptRequest {
  mode: "gpt";
  /** The partitioning entry in graph form (partitions carry `base`). */
  config: Record<string, unknown>;
  size: number;
  /** What DIB passes to sgdisk (the image file). */
  target: string;
}
export interface DibGptResult {
  error?: string;
  sgdisk?: string[];
}

type DibResultFor<R> = R extends DibGraphRequest
  ? DibGraphResult
  : R extends DibMbrRequest
    ? DibMbrResult
    : DibGptResult;

/** Run a batch of requests in one python process (DIB's imports are slow). */
export function runDibOracle<R extends DibGraphRequest | DibMbrRequest | DibGptRequest>(
  requests: R[],
): DibResultFor<R>[] {
  const res = spawnSync(DIB_PYTHON, ["-c", SCRIPT], {
    input: JSON.stringify(requests),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) throw new Error(`DIB oracle failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}
