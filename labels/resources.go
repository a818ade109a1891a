package labels

import (
	"strconv"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/moby/api/types/blkiodev"
	"github.com/moby/moby/api/types/container"
)

// nanoCPUs converts Compose's float32 CPU count without float32 noise
// (0.1 as float32 is 0.10000000149).
func nanoCPUs(cpus float32) int64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(cpus), 'f', -1, 32), 64)
	return int64(f*1e9 + 0.5)
}

func deployResources(r types.Resources, at where, res *container.Resources) []*Error {
	var errs []*Error
	set := func(key string, dst *int64, v int64, from string) {
		if v == 0 {
			return
		}
		if *dst != 0 && *dst != v {
			errs = append(errs, at.errf(key, "%d conflicts with %s (%d): set one of them", v, from, *dst))
			return
		}
		*dst = v
	}
	if l := r.Limits; l != nil {
		set("deploy.resources.limits.memory", &res.Memory, int64(l.MemoryBytes), "mem_limit")
		set("deploy.resources.limits.cpus", &res.NanoCPUs, nanoCPUs(float32(l.NanoCPUs)), "cpus")
		if l.Pids != 0 {
			if res.PidsLimit != nil && *res.PidsLimit != l.Pids {
				errs = append(errs, at.errf("deploy.resources.limits.pids", "%d conflicts with pids_limit (%d): set one of them", l.Pids, *res.PidsLimit))
			} else {
				v := l.Pids
				res.PidsLimit = &v
			}
		}
	}
	if rv := r.Reservations; rv != nil {
		set("deploy.resources.reservations.memory", &res.MemoryReservation, int64(rv.MemoryBytes), "mem_reservation")
		res.DeviceRequests = append(res.DeviceRequests, deviceRequests(rv.Devices, false)...)
	}
	return errs
}

func deviceRequests(ds []types.DeviceRequest, gpus bool) []container.DeviceRequest {
	var out []container.DeviceRequest
	for _, d := range ds {
		r := container.DeviceRequest{Driver: d.Driver, Count: int(d.Count), DeviceIDs: d.IDs, Options: d.Options}
		caps := d.Capabilities
		if gpus && len(caps) == 0 {
			caps = []string{"gpu"}
		}
		if len(caps) > 0 {
			r.Capabilities = [][]string{caps}
		}
		out = append(out, r)
	}
	return out
}

func throttle(ts []types.ThrottleDevice) []*blkiodev.ThrottleDevice {
	var out []*blkiodev.ThrottleDevice
	for _, t := range ts {
		out = append(out, &blkiodev.ThrottleDevice{Path: t.Path, Rate: uint64(t.Rate)})
	}
	return out
}
