"""Pure numpy arithmetic of the model: no Mesa, no Hydra, no pandas."""
