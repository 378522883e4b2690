/**
 * The escape hatch every component offers: adjust an underlying resource's args without forking
 * the component, either with a partial args object (merged shallowly) or with a callback.
 */
import type * as pulumi from "@pulumi/pulumi";

export type Transform<Args> =
  Partial<Args> | ((args: Args, opts: pulumi.CustomResourceOptions) => void);

/** Applies a transform to a resource's args and options, and returns them. */
export function applyTransform<Args extends object>(
  transform: Transform<Args> | undefined,
  args: Args,
  opts: pulumi.CustomResourceOptions,
): [Args, pulumi.CustomResourceOptions] {
  if (typeof transform === "function") transform(args, opts);
  else if (transform) Object.assign(args, transform);
  return [args, opts];
}
