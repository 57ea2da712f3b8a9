"""Physics of nanocrystal heterostructures: pure, sourced models (no I/O, no plotting).

Modules (import them directly; nothing is imported here so ``import heterolab`` stays light):

- :mod:`~heterolab.physics.confinement` — exciton Bohr radius and Rydberg, Brus energy and
  variants with inverse, confined band edges, density of states 3D…0D (thesis Eqs. 1-2, 1-3).
- :mod:`~heterolab.physics.sizing` — PbS (Moreels 2009) and CsPbBr3 (Brus) sizing curves,
  PbS extinction and concentration.
- :mod:`~heterolab.physics.structure` — tolerance/octahedral factors, d-spacings, Bragg's law,
  reflections, lattice and domain mismatch with plane search, strain from peak shifts.
- :mod:`~heterolab.physics.nucleation` — classical nucleation, growth regimes, Gibbs–Thomson,
  LSW ripening law and its Arrhenius fit (thesis Eqs. 1-1, 1-4 … 1-12).
- :mod:`~heterolab.physics.lamer` — LaMer burst-nucleation population-balance simulation.
- :mod:`~heterolab.physics.excitation` — pump photon fluence and Poisson occupancy.
- :mod:`~heterolab.physics.microscopy` — electron wavelength, Rayleigh and Scherzer resolution.
- :mod:`~heterolab.physics.bands`, :mod:`~heterolab.physics.rates`,
  :mod:`~heterolab.physics.transport` — band alignment, transfer rates, diffusion.

Result-returning front ends (by material name, for the CLI and notebooks) live in
:mod:`heterolab.calculators`, outside this pure-model package.

Material parameters live in :mod:`heterolab.materials`; synthesis bookkeeping in
:mod:`heterolab.synthesis`.
"""
