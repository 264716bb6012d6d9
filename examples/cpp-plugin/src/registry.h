// Internal C++ types: external linkage inside the plugin, never exported.
#ifndef SHAPES_REGISTRY_H
#define SHAPES_REGISTRY_H

#include <memory>
#include <string>
#include <vector>

namespace shapes {

class Shape {
  public:
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};

std::unique_ptr<Shape> make_circle(double radius);
std::unique_ptr<Shape> make_square(double side);

class Registry {
  public:
    void add(std::unique_ptr<Shape> shape);
    double total_area() const;
    std::string describe() const;

  private:
    std::vector<std::unique_ptr<Shape>> shapes_;
};

}  // namespace shapes

#endif
