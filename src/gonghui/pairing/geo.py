"""Great-circle geometry for the pairing engine (pure: NumPy only, no Django).

Coordinates are WGS-84/GCJ-02 longitude and latitude in degrees. Instead of a planar projection we
map every point to 3-D Cartesian coordinates on a sphere of radius ``EARTH_RADIUS_KM``. The
straight-line (chord) distance between two such points is a strictly increasing function of the
great-circle distance, so a k-d tree over the 3-D points answers "all mentors within r km" exactly
(no projection error, no seam problems across a province), and

    great_circle_km = 2 R asin(chord / 2R)

converts a chord back to kilometres. The spherical-Earth error (< 0.5 % against the ellipsoid) is
far below what matters for "close by" (地域相近). GCJ-02 offsets are a few hundred metres and are
shared by both ends of a pair, so mixing systems is the only thing to avoid.
"""

from __future__ import annotations

import numpy as np

EARTH_RADIUS_KM = 6371.0088


def to_xyz(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Return an (n, 3) float64 array of points on the sphere, in km."""
    lam = np.radians(np.asarray(lng, dtype=np.float64))
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    cos_phi = np.cos(phi)
    out = np.empty((lam.shape[0], 3), dtype=np.float64)
    out[:, 0] = EARTH_RADIUS_KM * cos_phi * np.cos(lam)
    out[:, 1] = EARTH_RADIUS_KM * cos_phi * np.sin(lam)
    out[:, 2] = EARTH_RADIUS_KM * np.sin(phi)
    return out


def km_to_chord(km: float) -> float:
    """Chord length (km) of a great-circle distance of ``km``."""
    return 2.0 * EARTH_RADIUS_KM * np.sin(min(km, np.pi * EARTH_RADIUS_KM) / (2.0 * EARTH_RADIUS_KM))


def chord_to_km(chord: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) of chord lengths (km)."""
    c = np.clip(np.asarray(chord, dtype=np.float64) / (2.0 * EARTH_RADIUS_KM), 0.0, 1.0)
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(c)


def distance_km(lng1, lat1, lng2, lat2) -> np.ndarray:
    """Great-circle distance in km between paired points (vectorised)."""
    a = to_xyz(np.atleast_1d(lng1), np.atleast_1d(lat1))
    b = to_xyz(np.atleast_1d(lng2), np.atleast_1d(lat2))
    return chord_to_km(np.sqrt(((a - b) ** 2).sum(axis=1)))
